// A call whose other side is the server's echo peer (signaling/echo/), for the room
// rehearsal: it stands in for call.js's Call in the room page, so mute, camera, screen
// share, device choice and Leave act on it exactly as in a real call. No DOM here; the
// peer connection and the /techcheck socket come in as functions, so node --test drives it.
//
// The echo peer takes one complete offer (no trickled candidates) and answers it; a new
// offer would replace its session, so there is no renegotiation: tracks are switched on
// the existing senders, and a lost session is replaced by a new EchoCall.

import { TechCheckEvent } from "./protocol.js";

export const GATHER_MS = 5000; // wait this long at most for every ICE candidate

export class EchoCall {
  #pc = null;
  #session = null;
  #closed = false;

  constructor({ makePeerConnection, request, onTrack, onState, timers, gatherMs }) {
    this.makePeerConnection = makePeerConnection;
    this.request = request; // (event, payload) => Promise<ack>
    this.onTrack = onTrack ?? (() => {});
    this.onState = onState ?? (() => {});
    this.timers = timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (id) => globalThis.clearTimeout(id),
    };
    this.gatherMs = gatherMs ?? GATHER_MS;
    this.senders = { audio: null, video: null };
  }

  get pc() {
    return this.#pc;
  }

  get session() {
    return this.#session;
  }

  // Resolves to the echo:offer ack: {ok: true, session} once the answer is applied, or the
  // refusal ({ok: false, error: "busy", retry_after} when every echo peer is taken), or
  // {ok: false, error: "closed"} when close() came first.
  async open(iceServers, stream) {
    const pc = this.makePeerConnection({ iceServers });
    this.#pc = pc;
    for (const track of stream ? stream.getTracks() : []) {
      this.senders[track.kind] = pc.addTrack(track, stream);
    }
    pc.ontrack = (event) => this.onTrack(event);
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    await pc.setLocalDescription(await pc.createOffer());
    await this.#gathered(pc);
    if (this.#closed) return { ok: false, error: "closed" };
    const ack = await this.request(TechCheckEvent.ECHO_OFFER, { type: "offer", sdp: pc.localDescription.sdp });
    if (this.#closed) {
      if (ack.ok) this.request(TechCheckEvent.ECHO_STOP);
      return { ok: false, error: "closed" };
    }
    if (!ack.ok) {
      this.close();
      return ack;
    }
    this.#session = ack.session;
    await pc.setRemoteDescription(ack.answer);
    return ack;
  }

  #gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.timers.clearTimeout(timer);
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      };
      const check = () => pc.iceGatheringState === "complete" && done();
      const timer = this.timers.setTimeout(done, this.gatherMs);
      pc.addEventListener("icegatheringstatechange", check);
    });
  }

  async replaceTrack(kind, track) {
    // No new sender can be added without a new offer; the rehearsal starts with both.
    await this.senders[kind]?.replaceTrack(track);
  }

  restartIce() {
    // The echo peer takes no second offer; the rehearsal opens a new EchoCall instead.
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pc) {
      this.#pc.ontrack = null;
      this.#pc.onconnectionstatechange = null;
      this.#pc.close();
    }
    // Frees our echo slot at once instead of after the peer's idle timeout.
    if (this.#session) this.request(TechCheckEvent.ECHO_STOP);
    this.#session = null;
    this.senders = { audio: null, video: null };
  }
}
