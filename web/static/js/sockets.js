// Every Socket.IO connection of a page is opened here. The namespaces of one page share one
// WebSocket (socket.io-client multiplexes them over the Manager of the first call), and on a
// page about one engagement its URL carries the room's route key (body data-route), which
// the sample nginx config hashes so that the coach and the client reach the same process
// (docs/deploy.md, "nginx"). The first call fixes the query, so every call goes through here.

import { io } from "/vendor/socket.io/socket.io.esm.min.js";

export function openSocket(namespace, options) {
  const route = document.body?.dataset.route;
  return io(namespace, { transports: ["websocket"], ...options, ...(route ? { query: { route } } : {}) });
}
