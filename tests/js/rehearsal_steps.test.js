// web/static/js/rehearsal_steps.js: the rehearsal's guided steps and when each is ticked.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EVENTS,
  STEPS,
  advance,
  complete,
  current,
  done,
  instructionKey,
  isDone,
  offeredSteps,
  report,
  start,
} from "../../web/static/js/rehearsal_steps.js";

const run = (state, events) => events.reduce(advance, state);
const desktop = () => start(offeredSteps({ canShareScreen: true }));

test("screen sharing is offered only where the browser can share a screen", () => {
  assert.deepEqual(offeredSteps({ canShareScreen: true }), ["mute", "camera", "board", "screen", "leave"]);
  assert.deepEqual(offeredSteps({ canShareScreen: false }), ["mute", "camera", "board", "leave"]);
});

test("the steps mirror rooms/rehearsal.py RehearsalStep", () => {
  assert.deepEqual(STEPS.map((s) => s.id), ["mute", "camera", "board", "screen", "leave"]);
  assert.equal(new Set(EVENTS).size, EVENTS.length);
});

test("a step is ticked only after its events in order", () => {
  let state = desktop();
  assert.equal(current(state), "mute");
  assert.equal(instructionKey(state, "mute"), "mute-0");
  state = advance(state, "unmuted"); // before muting: not progress
  assert.equal(instructionKey(state, "mute"), "mute-0");
  state = advance(state, "muted");
  assert.equal(instructionKey(state, "mute"), "mute-1");
  assert.equal(isDone(state, "mute"), false);
  state = advance(state, "unmuted");
  assert.equal(isDone(state, "mute"), true);
  assert.equal(instructionKey(state, "mute"), "mute-done");
  assert.equal(current(state), "camera");
});

test("steps done out of order still count, and the guide points at the first left", () => {
  const state = run(desktop(), ["camera-off", "camera-on", "board-opened"]);
  assert.deepEqual(done(state), ["camera", "board"]);
  assert.equal(current(state), "mute");
});

test("nothing is ever unticked, and unknown or repeated events change nothing", () => {
  const ticked = run(desktop(), ["muted", "unmuted"]);
  const after = run(ticked, ["muted", "dance", "muted"]);
  assert.deepEqual(done(after), ["mute"]);
  assert.equal(advance(after, "dance"), after);
});

test("leave needs a rejoin after it; the first join does not count", () => {
  let state = advance(desktop(), "joined");
  assert.equal(instructionKey(state, "leave"), "leave-0");
  state = run(state, ["left", "joined"]);
  assert.equal(isDone(state, "leave"), true);
});

test("the whole walkthrough completes, on a phone without the screen step", () => {
  const phone = start(offeredSteps({ canShareScreen: false }));
  const events = ["muted", "unmuted", "camera-off", "camera-on", "board-opened", "left", "joined"];
  const state = run(phone, events);
  assert.equal(complete(state), true);
  assert.equal(current(state), null);
  assert.deepEqual(report(state, "reh-xyz123"), {
    id: "reh-xyz123",
    offered: ["mute", "camera", "board", "leave"],
    done: ["mute", "camera", "board", "leave"],
  });
  assert.equal(complete(run(desktop(), events)), false); // the screen step is still open
});

test("the report lists only what was done so far", () => {
  const state = run(desktop(), ["muted"]);
  assert.deepEqual(report(state, "reh-abc123").done, []);
  assert.equal(start(["mute", "bogus"]).offered.length, 1);
});
