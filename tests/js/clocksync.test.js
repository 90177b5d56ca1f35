// web/static/js/clocksync.js against the cases tests/clocksync.py is also tested on
// (tests/test_clocksync.py), so the browser and the server agree on the rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ClockSync, displayedRemaining, estimateOffset, serverNow } from "../../web/static/js/clocksync.js";

const cases = JSON.parse(readFileSync(new URL("./clocksync_cases.json", import.meta.url), "utf8"));
const sample = ([clientSend, serverTime, clientReceive]) => ({ clientSend, serverTime, clientReceive });

test("the fastest sample gives the offset, as in Python", () => {
  for (const c of cases.offsets) {
    assert.ok(Math.abs(estimateOffset(c.samples.map(sample)) - c.offset) < 1e-9, JSON.stringify(c));
  }
});

test("the display never goes back in time, as in Python", () => {
  for (const c of cases.display) assert.equal(displayedRemaining(c.last_shown, c.estimate), c.shown);
});

test("no usable sample gives no offset; a clock that jumped back is ignored", () => {
  assert.equal(estimateOffset([]), null);
  assert.equal(estimateOffset([sample([10, 500, 9])]), null);
});

test("two devices ten minutes apart agree on server time within 250 ms", () => {
  const server = (t) => t + 42; // true time -> server clock
  const devices = [-300, 300].map((skew) => ({ skew, sync: new ClockSync() }));
  let t = 1000;
  for (const device of devices) {
    for (const [up, down] of [[0.4, 0.01], [0.03, 0.02], [1.2, 0.3], [0.05, 0.05]]) {
      const send = t + device.skew;
      const stamp = server(t + up);
      t += up + down;
      device.sync.add({ clientSend: send, serverTime: stamp, clientReceive: t + device.skew });
    }
  }
  const [a, b] = devices.map((d) => serverNow(t + d.skew, d.sync.offset));
  assert.ok(Math.abs(a - b) < 0.25);
  assert.ok(Math.abs(a - server(t)) < 0.25);
});

test("the window forgets old samples, so a corrected device clock is followed", () => {
  const sync = new ClockSync(3);
  sync.add(sample([0, 100, 0.001])); // very fast, but from before the clock was corrected
  for (let i = 1; i <= 3; i += 1) sync.add(sample([i * 10, i * 10 + 50, i * 10 + 0.02]));
  assert.ok(Math.abs(sync.offset - 49.99) < 1e-9);
});
