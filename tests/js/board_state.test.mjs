// BoardSync applies server records in version order and shows own edits on top.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BoardSync, RETRY_MAX_MS, applyOp, retryDelay } from "../../web/static/js/board_state.js";

const defaults = { goals: { title: "", parent: null, progress: 0, status: "active" }, homework: { text: "", goal: null, done: false }, notes: { text: "" } };
const empty = () => ({ agreement: { client_expectations: "" }, goals: [], homework: [], notes: [] });
const record = (version, op, role = "coach", opId = `op-${version}`) => ({ version, op_id: opId, role, at: version, op });

test("records apply in version order even when they arrive out of order", () => {
  const sync = new BoardSync("client");
  sync.joined({ snapshot: empty(), version: 0, defaults });
  sync.take(record(2, { type: "set", section: "agreement", field: "client_expectations", value: "second" }));
  assert.equal(sync.version, 0);
  sync.take(record(1, { type: "set", section: "agreement", field: "client_expectations", value: "first" }));
  assert.equal(sync.version, 2);
  assert.equal(sync.view().agreement.client_expectations, "second");
});

test("own edits show at once and leave pending when their record arrives", () => {
  const sync = new BoardSync("client");
  sync.joined({ snapshot: empty(), version: 0, defaults });
  const entry = sync.propose({ type: "add", collection: "goals", id: "goal-1", fields: { title: "Job" } });
  assert.equal(sync.view().goals[0].title, "Job");
  assert.equal(sync.confirmed.goals.length, 0);
  sync.take(record(1, entry.op, "client", entry.op_id));
  assert.equal(sync.pending.length, 0);
  assert.equal(sync.confirmed.goals[0].progress, 0);
});

test("removing a goal takes its intermediate goals and unlinks homework", () => {
  let board = empty();
  board = applyOp(board, { type: "add", collection: "goals", id: "g1", fields: { title: "a" } }, "coach", 1, defaults);
  board = applyOp(board, { type: "add", collection: "goals", id: "g2", fields: { title: "b", parent: "g1" } }, "coach", 2, defaults);
  board = applyOp(board, { type: "add", collection: "homework", id: "h1", fields: { text: "t", goal: "g2" } }, "coach", 3, defaults);
  board = applyOp(board, { type: "remove", collection: "goals", id: "g1" }, "coach", 4, defaults);
  assert.deepEqual(board.goals, []);
  assert.equal(board.homework[0].goal, null);
});

import { SAVE_GRACE_MS, boardStatus } from "../../web/static/js/board_state.js";

test("the status says 'Up to date' only when connected, answered and nothing waits", () => {
  const fine = { connected: true, online: true, joined: true, doubt: false, oldestPendingAt: null, now: 10_000 };
  assert.equal(boardStatus(fine), "live");
  assert.equal(boardStatus({ ...fine, online: false }), "offline", "the device says it is offline");
  assert.equal(boardStatus({ ...fine, connected: false }), "offline");
  assert.equal(boardStatus({ ...fine, joined: false }), "connecting");
  assert.equal(boardStatus({ ...fine, doubt: true }), "checking", "the call dropped: not sure any more");
  assert.equal(boardStatus({ ...fine, oldestPendingAt: 10_000 - SAVE_GRACE_MS + 1 }), "live", "just sent");
  assert.equal(boardStatus({ ...fine, oldestPendingAt: 10_000 - SAVE_GRACE_MS }), "saving", "no answer in time");
});

test("pending edits remember when they were made", () => {
  const sync = new BoardSync("client");
  sync.joined({ snapshot: empty(), version: 0, defaults });
  assert.equal(sync.oldestPendingAt, null);
  sync.propose({ type: "set", section: "agreement", field: "client_expectations", value: "a" }, 500);
  sync.propose({ type: "set", section: "agreement", field: "client_expectations", value: "b" }, 900);
  assert.equal(sync.oldestPendingAt, 500);
});

test("a refused edit is retried after the server's hint, backing off, never past the cap", () => {
  const middle = () => 0.5; // no jitter
  assert.equal(retryDelay(0, 0.2, middle), 200);
  assert.equal(retryDelay(1, 0.2, middle), 400);
  assert.equal(retryDelay(2, 0.2, middle), 800);
  assert.equal(retryDelay(20, 0.2, middle), RETRY_MAX_MS);
  assert.equal(retryDelay(0, undefined, middle), 200);
  for (const attempt of [0, 3, 9]) {
    assert.ok(retryDelay(attempt, 0.2, () => 0) >= 25);
    assert.ok(retryDelay(attempt, 0.2, () => 0.999) < RETRY_MAX_MS * 1.5);
  }
});

test("a refused edit stays pending under its op id until it is confirmed", () => {
  const sync = new BoardSync("coach");
  sync.joined({ snapshot: empty(), version: 0, defaults });
  const entry = sync.propose({ type: "set", section: "agreement", field: "client_expectations", value: "x" });
  assert.ok(sync.holds(entry.op_id));
  sync.take(record(1, entry.op, "coach", entry.op_id));
  assert.ok(!sync.holds(entry.op_id));
});
