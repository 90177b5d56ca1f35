// web/static/js/timerclock.js: the browser's readings of a timer snapshot, with the same
// numbers tests/test_timer.py checks on the server side.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dueWarnings, elapsed, formatClock, phaseAt, remaining, statusOf } from "../../web/static/js/timerclock.js";

const MIN = 60;
const T0 = 1_800_000_000;
const phases = [
  { name: "Check-in", seconds: 5 * MIN },
  { name: "Review homework", seconds: 10 * MIN },
  { name: "Main work", seconds: 35 * MIN },
  { name: "Wrap-up: homework and next steps", seconds: 10 * MIN },
];
const idle = {
  version: 0, planned_seconds: 60 * MIN, phases, started_at: null, paused_at: null,
  paused_total: 0, extended_seconds: 0, ended_at: null, changed_at: null,
};
const running = { ...idle, version: 1, started_at: T0, changed_at: T0 };

test("status, elapsed and remaining follow the timestamps", () => {
  assert.equal(statusOf(idle), "idle");
  assert.equal(remaining(idle, T0 + 999), 60 * MIN);
  assert.equal(statusOf(running), "running");
  assert.equal(remaining(running, T0 + 20 * MIN), 40 * MIN);
  assert.equal(elapsed(running, T0 - 30), 0); // a device behind the server never goes negative
  const paused = { ...running, version: 2, paused_at: T0 + 20 * MIN, changed_at: T0 + 20 * MIN };
  assert.equal(statusOf(paused), "paused");
  assert.equal(remaining(paused, T0 + 50 * MIN), 40 * MIN);
  const resumed = { ...paused, version: 3, paused_at: null, paused_total: 3 * MIN, changed_at: T0 + 23 * MIN };
  assert.equal(remaining(resumed, T0 + 33 * MIN), 30 * MIN);
});

test("phase boundaries belong to the next phase; overtime to the last", () => {
  assert.deepEqual(phaseAt(phases, 5 * MIN - 1), { index: 0, name: "Check-in", secondsLeft: 1 });
  assert.equal(phaseAt(phases, 5 * MIN).index, 1);
  assert.equal(phaseAt(phases, 62 * MIN).secondsLeft, -2 * MIN);
  assert.equal(phaseAt(phases, 62 * MIN).index, 3);
});

test("each warning comes due once, in order, and none before the start", () => {
  assert.deepEqual(dueWarnings(idle, 0, 99 * MIN), []);
  assert.deepEqual(dueWarnings(running, null, 10 * MIN), []); // a page just opened replays nothing
  const kinds = [];
  for (let t = 0; t < 61 * MIN; t += 7) {
    for (const w of dueWarnings(running, t, t + 7)) kinds.push(w.kind === "minutes-left" ? `${w.minutesLeft}` : `${w.kind}:${w.phaseName ?? ""}`);
  }
  assert.deepEqual(kinds, [
    "phase-ended:Check-in", "phase-ended:Review homework", "phase-ended:Main work", "10", "5", "overtime:",
  ]);
});

test("the clock reads like a countdown, then counts overtime up", () => {
  assert.equal(formatClock(60 * MIN), "60:00");
  assert.equal(formatClock(3299), "54:59");
  assert.equal(formatClock(3298.2), "54:59");
  assert.equal(formatClock(0), "00:00");
  assert.equal(formatClock(-133.7), "+02:13");
  assert.equal(formatClock(90 * MIN), "90:00");
});
