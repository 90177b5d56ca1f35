// A socket whose credential ended (docs/protocol.md "Revoked"): the server sends
// `revoked` {reason} and disconnects. Every page socket registers here, so the page says
// why in its own language (the sentences are in base.html) and stops reconnecting.
import { REVOKED, RevokeReason } from "./protocol.js";

const KNOWN = new Set(Object.values(RevokeReason));

export function showRevoked(reason, root = document) {
  const box = root.getElementById("revoked");
  if (!box) return;
  const shown = KNOWN.has(reason) ? reason : RevokeReason.INVITE_REVOKED;
  for (const line of box.querySelectorAll("[data-reason]")) line.hidden = line.dataset.reason !== shown;
  box.hidden = false;
}

export function watchRevoked(socket, onRevoked = () => {}) {
  socket.on(REVOKED, (data) => {
    socket.io.reconnection(false);
    showRevoked(data?.reason);
    onRevoked();
  });
}
