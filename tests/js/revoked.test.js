// The page side of docs/protocol.md "Revoked": the sentence for the reason is shown, the
// others stay hidden, and the socket stops reconnecting.
import assert from "node:assert/strict";
import test from "node:test";

import { RevokeReason } from "../../web/static/js/protocol.js";
import { showRevoked, watchRevoked } from "../../web/static/js/revoked.js";

function page() {
  const lines = Object.values(RevokeReason).map((reason) => ({ dataset: { reason }, hidden: true }));
  const box = { hidden: true, querySelectorAll: () => lines };
  return { box, lines, getElementById: (id) => (id === "revoked" ? box : null) };
}

test("the sentence for the reason is the only one shown", () => {
  const root = page();
  showRevoked(RevokeReason.LOGGED_OUT, root);
  assert.equal(root.box.hidden, false);
  assert.deepEqual(
    root.lines.filter((line) => !line.hidden).map((line) => line.dataset.reason),
    [RevokeReason.LOGGED_OUT],
  );
});

test("an unknown reason still says the page was disconnected", () => {
  const root = page();
  showRevoked("something-new", root);
  assert.equal(root.box.hidden, false);
  assert.equal(root.lines.filter((line) => !line.hidden).length, 1);
});

test("a revoked socket stops reconnecting and tells the page", () => {
  const handlers = {};
  let reconnection = true;
  const socket = { on: (name, fn) => (handlers[name] = fn), io: { reconnection: (on) => (reconnection = on) } };
  let told = 0;
  const saved = globalThis.document;
  globalThis.document = page();
  try {
    watchRevoked(socket, () => (told += 1));
    handlers.revoked({ reason: RevokeReason.INVITE_ROTATED });
  } finally {
    globalThis.document = saved;
  }
  assert.equal(reconnection, false);
  assert.equal(told, 1);
});
