// web/static/js/echo_call.js against a fake RTCPeerConnection and a fake /techcheck socket:
// one complete offer, the answer applied, busy refusals, and the echo slot always freed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EchoCall } from "../../web/static/js/echo_call.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

class FakePC extends EventTarget {
  constructor(config) {
    super();
    this.config = config;
    this.iceGatheringState = "new";
    this.tracks = [];
    this.closed = false;
  }
  addTrack(track) {
    this.tracks.push(track);
    return { track, replaceTrack: async (t) => { this.replaced = t; } };
  }
  async createOffer() {
    return { type: "offer", sdp: "offer-sdp" };
  }
  async setLocalDescription(description) {
    this.localDescription = description;
    this.iceGatheringState = "gathering";
    setImmediate(() => {
      this.localDescription = { type: "offer", sdp: "offer-sdp with candidates" };
      this.iceGatheringState = "complete";
      this.dispatchEvent(new Event("icegatheringstatechange"));
    });
  }
  async setRemoteDescription(description) {
    this.remoteDescription = description;
  }
  close() {
    this.closed = true;
  }
}

function setup(answer) {
  const sent = [];
  const made = [];
  const call = new EchoCall({
    makePeerConnection: (config) => {
      made.push(new FakePC(config));
      return made.at(-1);
    },
    request: async (event, payload) => {
      sent.push([event, payload]);
      return event === "echo:offer" ? answer() : { ok: true };
    },
  });
  const stream = { getTracks: () => [{ kind: "audio" }, { kind: "video" }] };
  return { call, sent, made, stream };
}

const ANSWER = () => ({ ok: true, session: "s1", answer: { type: "answer", sdp: "answer-sdp" } });

test("sends one offer with every candidate and applies the answer", async () => {
  const { call, sent, made, stream } = setup(ANSWER);
  const ack = await call.open([{ urls: "stun:x" }], stream);
  assert.equal(ack.ok, true);
  assert.deepEqual(made[0].config, { iceServers: [{ urls: "stun:x" }] });
  assert.equal(made[0].tracks.length, 2);
  assert.deepEqual(sent, [["echo:offer", { type: "offer", sdp: "offer-sdp with candidates" }]]);
  assert.deepEqual(made[0].remoteDescription, { type: "answer", sdp: "answer-sdp" });
  assert.equal(call.session, "s1");
});

test("switching a track uses the existing sender, never a new offer", async () => {
  const { call, sent, made, stream } = setup(ANSWER);
  await call.open([], stream);
  const screen = { kind: "video", label: "screen" };
  await call.replaceTrack("video", screen);
  assert.equal(made[0].replaced, screen);
  assert.equal(sent.filter(([event]) => event === "echo:offer").length, 1);
});

test("close stops the echo session and is idempotent", async () => {
  const { call, sent, made, stream } = setup(ANSWER);
  await call.open([], stream);
  call.close();
  call.close();
  assert.equal(made[0].closed, true);
  assert.deepEqual(sent.map(([event]) => event), ["echo:offer", "echo:stop"]);
});

test("busy: the refusal is returned and the connection closed", async () => {
  const { call, made, stream } = setup(() => ({ ok: false, error: "busy", retry_after: 30 }));
  const ack = await call.open([], stream);
  assert.deepEqual(ack, { ok: false, error: "busy", retry_after: 30 });
  assert.equal(made[0].closed, true);
  assert.equal(call.session, null);
});

test("closed while the offer was answered: the fresh session is stopped at once", async () => {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const { call, sent, stream } = setup(() => gate.then(ANSWER));
  const opening = call.open([], stream);
  await tick();
  await tick();
  call.close();
  release();
  assert.deepEqual(await opening, { ok: false, error: "closed" });
  assert.deepEqual(sent.map(([event]) => event), ["echo:offer", "echo:stop"]);
});
