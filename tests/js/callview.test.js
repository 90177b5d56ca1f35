// web/static/js/callview.js: what the room says about the call, and when media counts as stopped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MediaWatch, STALL_MS, SAMPLE_MS, callView, figures, qualityWord, receivedBytes } from "../../web/static/js/callview.js";

const inCall = {
  phase: "joined", online: true, peer: "here", peerWasHere: true,
  connection: "connected", wasConnected: true, stalled: false, level: "good",
};

test("media stopping is noticed in under two seconds, and only after it flowed", () => {
  const watch = new MediaWatch();
  assert.equal(watch.sample(0, 0), false);
  assert.equal(watch.sample(400, 0), false, "nothing has flowed yet: connecting, not dropped");
  assert.equal(watch.sample(800, 5000), false);
  assert.equal(watch.sample(1200, 9000), false);
  // The last byte arrived just after the 1200 ms sample; samples every SAMPLE_MS after it.
  let now = 1200;
  while (!watch.sample(now, 9000)) now += SAMPLE_MS;
  assert.ok(now - 1200 >= STALL_MS, "not before STALL_MS without bytes");
  assert.ok(now - 1200 + SAMPLE_MS < 2000, `stall seen ${now - 1200} ms after the last sample`);
  assert.equal(watch.sample(now + SAMPLE_MS, 9100), false, "bytes again: clear at once");
});

test("a new call starts a new watch: counters of a closed call do not count", () => {
  const watch = new MediaWatch(1000);
  watch.sample(0, 100);
  watch.sample(100, 200);
  assert.equal(watch.stalled(5000), true);
  assert.equal(new MediaWatch(1000).stalled(5000), false);
});

test("media that flowed for less than one sample and stopped is still noticed", () => {
  const watch = new MediaWatch(1000);
  assert.equal(watch.sample(0, 4000), false, "the first reading already holds bytes");
  assert.equal(watch.flowed, true);
  assert.equal(watch.sample(400, 4000), false);
  assert.equal(watch.sample(1200, 4000), true);
});

test("in a call with media flowing: no overlay, connected, quality in words", () => {
  assert.deepEqual(callView(inCall), { overlay: null, status: "connected", quality: "good" });
  assert.equal(callView({ ...inCall, level: "fair" }).quality, "weak");
  assert.equal(callView({ ...inCall, level: "poor" }).quality, "weak");
});

test("media stopped while still 'connected': the overlay says so and quality reads Reconnecting", () => {
  assert.deepEqual(callView({ ...inCall, stalled: true }), {
    overlay: "dropped", status: "reconnecting", quality: "reconnecting",
  });
  for (const connection of ["disconnected", "failed", "connecting"]) {
    assert.equal(callView({ ...inCall, connection }).overlay, "dropped", connection);
  }
});

test("before media ever flowed it is 'connecting', not 'dropped'", () => {
  const view = callView({ ...inCall, connection: "connecting", wasConnected: false });
  assert.deepEqual(view, { overlay: "peer-connecting", status: "connecting", quality: null });
});

test("alone in the room: waiting for the other person, never 'connected'", () => {
  const alone = { ...inCall, peer: "absent", peerWasHere: false, connection: "new", wasConnected: false };
  assert.deepEqual(callView(alone), { overlay: "peer-waiting", status: "waiting", quality: null });
  assert.equal(callView({ ...alone, peerWasHere: true }).overlay, "peer-left");
});

test("the other person's socket dropped, or ours did", () => {
  assert.deepEqual(callView({ ...inCall, peer: "reconnecting" }), {
    overlay: "peer-reconnecting", status: "reconnecting", quality: "reconnecting",
  });
  assert.deepEqual(callView({ ...inCall, online: false }), {
    overlay: "dropped", status: "reconnecting", quality: "reconnecting",
  });
});

test("before joining, after leaving and after being replaced", () => {
  assert.deepEqual(callView({ ...inCall, phase: "prejoin" }), { overlay: null, status: "idle", quality: null });
  assert.deepEqual(callView({ ...inCall, phase: "left" }), { overlay: "left", status: "left", quality: null });
  assert.equal(callView({ ...inCall, phase: "replaced" }).overlay, "replaced");
});

test("quality words and the coach's figures", () => {
  assert.equal(qualityWord("good"), "good");
  assert.equal(qualityWord("good", { dropped: true }), "reconnecting");
  assert.equal(figures({ rttMs: 12, lossPct: 0.5, kbps: 900 }), "12 ms · 0.5 % · 900 kbit/s");
  assert.equal(figures({ rttMs: null, lossPct: 0, kbps: 0 }), "– · 0 % · 0 kbit/s");
});

test("received bytes add up audio and video", () => {
  const report = new Map([
    ["a", { type: "inbound-rtp", kind: "audio", bytesReceived: 100 }],
    ["v", { type: "inbound-rtp", kind: "video", bytesReceived: 900 }],
    ["o", { type: "outbound-rtp", bytesSent: 5000 }],
  ]);
  assert.equal(receivedBytes(report), 1000);
});
