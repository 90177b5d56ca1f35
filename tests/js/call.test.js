// web/static/js/call.js negotiation logic against a small fake RTCPeerConnection that
// models the signalling state machine (stable / have-local-offer / have-remote-offer,
// implicit rollback) and asynchronous operations. Real browsers are tested in
// tests/test_room_browser.py; this covers the orderings a browser test cannot force.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Call, WATCHDOG_MS } from "../../web/static/js/call.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

class FakePC {
  constructor() {
    this.signalingState = "stable";
    this.connectionState = "new";
    this.iceConnectionState = "new";
    this.localDescription = null;
    this.remoteDescription = null;
    this.candidates = [];
    this.restarts = 0;
    this.closed = false;
    this.generation = 0;
  }
  // Like a browser, several changes in one task give one negotiationneeded, fired only
  // while stable.
  needNegotiation() {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    queueMicrotask(() => {
      this.negotiationQueued = false;
      if (this.signalingState === "stable") this.onnegotiationneeded?.();
    });
  }
  addTrack(track) {
    this.needNegotiation();
    return { track, replaceTrack: async (t) => { this.replaced = t; } };
  }
  async setLocalDescription(description) {
    await tick();
    if (description?.type === "rollback") {
      this.signalingState = "stable";
      this.localDescription = null;
      return;
    }
    if (this.signalingState === "have-remote-offer") {
      this.localDescription = { type: "answer", sdp: `answer ${this.generation}` };
      this.signalingState = "stable";
    } else {
      this.localDescription = { type: "offer", sdp: `offer ${this.generation}` };
      this.signalingState = "have-local-offer";
    }
  }
  async setRemoteDescription(description) {
    await tick();
    if (description.type === "offer") {
      if (this.signalingState === "have-local-offer") this.localDescription = null; // rollback
      this.signalingState = "have-remote-offer";
    } else if (description.type === "answer") {
      if (this.signalingState !== "have-local-offer") throw new Error("InvalidStateError");
      this.signalingState = "stable";
    }
    this.remoteDescription = description;
  }
  async addIceCandidate(candidate) {
    if (!this.remoteDescription) throw new Error("no remote description");
    this.candidates.push(candidate);
  }
  restartIce() {
    this.restarts += 1;
    this.generation += 1;
    this.needNegotiation();
  }
  close() {
    this.closed = true;
    this.connectionState = "closed";
  }
}

function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimeout: (callback, ms) => { pending.set(next, { callback, ms }); return next++; },
    clearTimeout: (id) => pending.delete(id),
    fire(ms) {
      for (const [id, timer] of [...pending]) {
        if (timer.ms === ms) { pending.delete(id); timer.callback(); }
      }
    },
    pending,
  };
}

// Two Calls wired through queues the test drains, so it decides the delivery order.
function pair() {
  const wires = { coach: [], client: [] };
  const make = (polite, outbox) => new Call({
    polite,
    makePeerConnection: () => new FakePC(),
    send: (message) => wires[outbox].push(message),
    timers: fakeTimers(),
  });
  const coach = make(false, "client");
  const client = make(true, "coach");
  const stream = { getTracks: () => [{ kind: "audio" }, { kind: "video" }] };
  return { coach, client, wires, stream };
}

async function deliver(call, queue) {
  while (queue.length) await call.receive(queue.shift());
}

async function settle(p) {
  for (let i = 0; i < 20; i++) {
    await tick();
    await deliver(p.client, p.wires.client);
    await deliver(p.coach, p.wires.coach);
  }
}

test("the polite side waits for the first offer: no glare on a fresh call", async () => {
  const p = pair();
  p.client.open([], p.stream);
  await tick();
  assert.deepEqual(p.wires.coach, [], "the client offered first");
  p.coach.open([], p.stream);
  await settle(p);
  assert.equal(p.coach.pc.signalingState, "stable");
  assert.equal(p.client.pc.signalingState, "stable");
  assert.equal(p.coach.pc.remoteDescription.type, "answer");
});

test("glare: simultaneous offers resolve with the coach's offer answered", async () => {
  const p = pair();
  p.coach.open([], p.stream);
  p.client.open([], p.stream);
  await settle(p); // first negotiation done
  // both renegotiate at once (e.g. both restart ICE): two offers cross on the wire
  p.coach.pc.restartIce();
  p.client.pc.restartIce();
  await tick();
  await tick();
  assert.equal(p.coach.pc.signalingState, "have-local-offer");
  assert.equal(p.client.pc.signalingState, "have-local-offer");
  await settle(p);
  assert.equal(p.coach.pc.signalingState, "stable");
  assert.equal(p.client.pc.signalingState, "stable");
  assert.equal(p.client.pc.remoteDescription.type, "offer", "the polite client answered");
});

test("candidates before the remote description are kept, then applied", async () => {
  const p = pair();
  p.coach.open([], p.stream);
  p.client.open([], p.stream);
  await tick();
  await tick();
  await p.client.receive({ candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host" } });
  assert.deepEqual(p.client.pc.candidates, []);
  await settle(p);
  assert.equal(p.client.pc.candidates.length, 1);
});

test("the watchdog rolls back an unanswered offer and offers again with an ICE restart", async () => {
  const p = pair();
  p.coach.open([], p.stream);
  await tick();
  await tick();
  assert.equal(p.wires.client.length, 1, "first offer sent");
  p.wires.client.length = 0; // ...and lost on the way
  p.coach.timers.fire(WATCHDOG_MS);
  for (let i = 0; i < 6; i++) await tick();
  assert.equal(p.coach.pc.restarts, 1);
  assert.equal(p.wires.client.at(-1)?.description?.type, "offer");
  p.client.open([], p.stream);
  await settle(p);
  assert.equal(p.coach.pc.signalingState, "stable");
  assert.equal(p.client.pc.signalingState, "stable");
});

test("only the impolite side runs a watchdog", () => {
  const p = pair();
  p.client.open([], p.stream);
  assert.equal(p.client.timers.pending.size, 0);
  p.coach.open([], p.stream);
  assert.equal(p.coach.timers.pending.size, 1);
});

test("close releases the connection and its timers", () => {
  const p = pair();
  p.coach.open([], p.stream);
  const pc = p.coach.pc;
  p.coach.close();
  assert.equal(pc.closed, true);
  assert.equal(p.coach.pc, null);
  assert.equal(p.coach.timers.pending.size, 0);
});
