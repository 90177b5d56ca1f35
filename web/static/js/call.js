// One peer connection between coach and client, negotiated with the "perfect negotiation"
// pattern (MDN): the client is polite and yields on glare, the coach is impolite. No DOM
// here, and the RTCPeerConnection comes from a factory, so node --test can drive it.
//
// Additions to the textbook pattern, each from a wedge seen in real browsers:
// - candidates that arrive before a remote description are kept and applied after it,
//   because a polite peer that rolled back its offer may answer with the same ICE
//   credentials and never send those candidates again;
// - the polite side makes no first offer (see open());
// - a watchdog on the impolite side: a connection that is not up after a while (a lost
//   message, a changed network) gets a fresh offer with an ICE restart.

export const WATCHDOG_MS = 6000;

export class Call {
  #pc = null;
  #makingOffer = false;
  #ignoreOffer = false;
  #disconnectTimer = null;
  #watchdog = null;
  #pending = [];
  #answered = false;

  constructor({ polite, makePeerConnection, send, onTrack, onState, onSignaling, log, timers }) {
    this.polite = polite;
    this.makePeerConnection = makePeerConnection;
    this.send = send;
    this.onTrack = onTrack ?? (() => {});
    this.onState = onState ?? (() => {});
    this.onSignaling = onSignaling ?? (() => {});
    this.log = log ?? (() => {});
    // Wrapped, not passed bare: browsers throw "Illegal invocation" when a native timer
    // function is called with another `this`.
    this.timers = timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (id) => globalThis.clearTimeout(id),
    };
    this.senders = { audio: null, video: null };
  }

  get pc() {
    return this.#pc;
  }

  open(iceServers, stream) {
    const pc = this.makePeerConnection({ iceServers });
    this.#pc = pc;
    for (const track of stream ? stream.getTracks() : []) {
      this.senders[track.kind] = pc.addTrack(track, stream);
    }
    // The polite side waits for the first offer instead of racing it: the pattern would
    // resolve that glare, but Chromium can stall ICE gathering for good when an offer is
    // rolled back while its candidates are still being gathered.
    pc.onnegotiationneeded = () => {
      if (this.polite && !this.#answered) return;
      this.#offer();
    };
    pc.onicecandidate = ({ candidate }) => {
      this.log("candidate out", candidate?.candidate ?? "end");
      if (candidate) this.send({ candidate: candidate.toJSON ? candidate.toJSON() : candidate });
    };
    pc.ontrack = (event) => this.onTrack(event);
    pc.onsignalingstatechange = () => this.onSignaling(pc.signalingState);
    pc.onicegatheringstatechange = () => this.log("gathering", pc.iceGatheringState);
    pc.oniceconnectionstatechange = () => this.#iceState(pc);
    pc.onconnectionstatechange = () => {
      this.onState(pc.connectionState);
      if (pc.connectionState === "connected") this.timers.clearTimeout(this.#watchdog);
    };
    this.#armWatchdog();
    return pc;
  }

  async #offer() {
    const pc = this.#pc;
    try {
      this.#makingOffer = true;
      await pc.setLocalDescription();
      if (pc.signalingState !== "have-local-offer") return; // rolled back meanwhile
      this.log("sending", pc.localDescription.type);
      this.send({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
    } catch (error) {
      this.log("offer failed", error);
    } finally {
      this.#makingOffer = false;
    }
  }

  async receive({ description, candidate }) {
    const pc = this.#pc;
    if (!pc) return;
    if (description) {
      const collision =
        description.type === "offer" && (this.#makingOffer || pc.signalingState !== "stable");
      this.#ignoreOffer = !this.polite && collision;
      this.log("received", description.type, collision ? "glare" : "", this.#ignoreOffer ? "ignored" : "");
      if (this.#ignoreOffer) return;
      await pc.setRemoteDescription(description); // rolls back our offer when polite
      if (description.type === "offer") {
        this.#answered = true;
        await pc.setLocalDescription();
        this.log("sending", pc.localDescription.type);
        this.send({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      }
      await this.#flushCandidates(pc);
    } else if (candidate) {
      this.log("candidate in", candidate.candidate, pc.remoteDescription ? "" : "kept");
      if (!pc.remoteDescription) {
        this.#pending.push(candidate);
        return;
      }
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        this.log("candidate rejected", error);
      }
    }
  }

  async #flushCandidates(pc) {
    const pending = this.#pending;
    this.#pending = [];
    for (const candidate of pending) {
      // Candidates of an offer we ignored belong to other ICE credentials and are refused.
      await pc.addIceCandidate(candidate).catch(() => {});
    }
  }

  // A failed path is restarted at once; a disconnected one after a short grace, by the
  // impolite side only, so a network blip does not make both sides restart together.
  #iceState(pc) {
    const state = pc.iceConnectionState;
    this.log("ice", state);
    this.onState(state === "checking" ? "connecting" : pc.connectionState ?? state);
    this.timers.clearTimeout(this.#disconnectTimer);
    if (state === "failed") {
      this.restartIce();
    } else if (state === "disconnected" && !this.polite) {
      this.#disconnectTimer = this.timers.setTimeout(() => {
        if (pc.iceConnectionState === "disconnected") this.restartIce();
      }, 3000);
    }
  }

  #armWatchdog() {
    if (this.polite) return;
    this.timers.clearTimeout(this.#watchdog);
    this.#watchdog = this.timers.setTimeout(() => this.#rescue(), WATCHDOG_MS);
  }

  // Not connected in time: whatever was lost, a new offer with fresh ICE credentials
  // starts over. An offer left unanswered is rolled back first so the new one can go.
  async #rescue() {
    const pc = this.#pc;
    if (!pc || pc.connectionState === "connected" || pc.connectionState === "closed") return;
    this.log("not connected in time: restarting ICE");
    try {
      if (pc.signalingState === "have-local-offer") {
        await pc.setLocalDescription({ type: "rollback" });
      }
      pc.restartIce(); // fires negotiationneeded: #offer sends the new offer
    } catch (error) {
      this.log("restart failed", error);
    }
    this.#armWatchdog();
  }

  restartIce() {
    if (this.#pc && this.#pc.connectionState !== "closed") this.#pc.restartIce();
  }

  // Camera, screen and audio-only switch tracks on the existing sender: no renegotiation.
  async replaceTrack(kind, track, stream) {
    const sender = this.senders[kind];
    if (sender) {
      await sender.replaceTrack(track);
    } else if (track && this.#pc) {
      this.senders[kind] = this.#pc.addTrack(track, stream);
    }
  }

  close() {
    this.timers.clearTimeout(this.#disconnectTimer);
    this.timers.clearTimeout(this.#watchdog);
    if (this.#pc) {
      this.#pc.onnegotiationneeded = null;
      this.#pc.onicecandidate = null;
      this.#pc.ontrack = null;
      this.#pc.oniceconnectionstatechange = null;
      this.#pc.onconnectionstatechange = null;
      this.#pc.onsignalingstatechange = null;
      this.#pc.close();
    }
    this.#pc = null;
    this.#pending = [];
    this.senders = { audio: null, video: null };
  }
}
