// The message thread panel (web/templates/messages_panel.html) on both homes and in the
// room: connects to /messages, shows the thread by seq (thread_state.js), sends with an id
// of its own so a resend after a reconnect is stored once, and marks what it has shown as
// read. Text only ever goes in with textContent; links are built by createElement from
// linkify.js's parts and open on click in a new tab with rel=noopener.

import { openSocket } from "./sockets.js";
import { splitLinks } from "./linkify.js";
import { MESSAGES_NAMESPACE, MessageEvent } from "./protocol.js";
import { ThreadState } from "./thread_state.js";
import { watchRevoked } from "./revoked.js";

const root = document.getElementById("messages");
const $ = (id) => document.getElementById(id);
const text = Object.fromEntries(
  [...document.querySelectorAll("#messages-strings [data-key]")].map((el) => [el.dataset.key, el.textContent]),
);
const role = root.dataset.role;
const thread = new ThreadState();
const outbox = new Map(); // id -> text, until the server has acknowledged it
let readMarks = { coach: 0, client: 0 };
let joined = false;

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function status(message) {
  $("messages-status").textContent = message;
}

function messageBody(value) {
  const body = document.createElement("p");
  body.className = "message-text";
  for (const part of splitLinks(value)) {
    if (part.type === "link") {
      const link = document.createElement("a");
      link.href = part.href;
      link.textContent = part.text;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      body.append(link);
    } else {
      body.append(document.createTextNode(part.text));
    }
  }
  return body;
}

function timeOf(seconds) {
  const when = new Date(seconds * 1000);
  const element = document.createElement("time");
  element.dateTime = when.toISOString();
  element.textContent = when.toLocaleString(document.documentElement.lang || undefined, {
    dateStyle: "short",
    timeStyle: "short",
  });
  return element;
}

function draw() {
  const list = $("messages-list");
  const items = [];
  const other = role === "coach" ? "client" : "coach";
  for (const message of thread.messages()) {
    const item = document.createElement("li");
    const mine = message.from === role;
    item.className = mine ? "message mine" : "message theirs";
    item.dataset.seq = String(message.seq);
    item.dataset.testid = "message";
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.append(document.createTextNode(`${mine ? text.you : text.other} · `), timeOf(message.sent_at));
    if (mine && readMarks[other] >= message.seq) meta.append(document.createTextNode(` · ${text.read}`));
    item.append(meta, messageBody(message.text));
    items.push(item);
  }
  for (const [id, value] of outbox) {
    const item = document.createElement("li");
    item.className = "message mine pending";
    item.dataset.testid = "message-pending";
    item.dataset.id = id;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = `${text.you} · ${text.sending}`;
    item.append(meta, messageBody(value));
    items.push(item);
  }
  list.replaceChildren(...items);
  $("messages-empty").hidden = items.length > 0;
  list.scrollTop = list.scrollHeight;
}

function setUnread(count) {
  const badge = $("messages-unread");
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = count === 0;
}

async function markRead(socket) {
  if (!joined || document.visibilityState !== "visible" || !thread.last) return;
  const ack = await socket.timeout(5000).emitWithAck(MessageEvent.READ, { seq: thread.last }).catch(() => null);
  if (ack?.ok) {
    readMarks = ack.state;
    setUnread(0);
  }
}

async function join(socket) {
  const payload = thread.last ? { since: thread.last } : {};
  const ack = await socket.timeout(10000).emitWithAck(MessageEvent.JOIN, payload).catch(() => null);
  if (!ack?.ok) {
    status(text.offline);
    return;
  }
  joined = true;
  thread.joined(ack);
  readMarks = ack.state;
  setUnread(ack.unread);
  status("");
  draw();
  for (const [id, value] of [...outbox]) await send(socket, id, value);
  await markRead(socket);
}

async function send(socket, id, value) {
  const ack = await socket.timeout(10000).emitWithAck(MessageEvent.SEND, { id, text: value }).catch(() => null);
  if (!ack) {
    status(text.offline); // kept in the outbox and sent again with the same id
    return false;
  }
  if (!ack.ok) {
    outbox.delete(id);
    status(text[`error:${ack.error}`] ?? text["error:other"]);
    draw();
    return false;
  }
  outbox.delete(id);
  thread.take(ack.message);
  status("");
  draw();
  return true;
}

function start() {
  const auth = role === "coach" ? { engagement: root.dataset.engagement } : { invite: root.dataset.invite };
  const socket = openSocket(MESSAGES_NAMESPACE, { auth });
  watchRevoked(socket);
  socket.on("connect", () => join(socket));
  socket.on("disconnect", () => {
    joined = false;
    status(text.offline);
  });
  socket.on("connect_error", () => status(text.offline));
  socket.on(MessageEvent.MESSAGE, ({ message }) => {
    if (thread.take(message)) draw();
    if (thread.gap) join(socket);
    else markRead(socket);
  });
  socket.on(MessageEvent.RECEIPT, ({ state }) => {
    readMarks = state;
    draw();
  });
  document.addEventListener("visibilitychange", () => markRead(socket));
  $("messages-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = $("messages-text");
    const value = field.value.trim();
    if (!value) return;
    const id = newId();
    outbox.set(id, value);
    field.value = "";
    draw();
    if (joined) await send(socket, id, value);
    field.focus();
  });
  $("messages-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("messages-form").requestSubmit();
  });
}

start();
