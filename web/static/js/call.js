// One peer connection between coach and client, negotiated with the "perfect negotiation"
// pattern (MDN): the client is polite and yields on glare, the coach is impolite. No DOM
// here, and the RTCPeerConnection comes from a factory, so node --test can drive it.

export class Call {
  #pc = null;
  #makingOffer = false;
  #ignoreOffer = false;
  #disconnectTimer = null;

  constructor({ polite, makePeerConnection, send, onTrack, onState, log, timers }) {
    this.polite = polite;
    this.makePeerConnection = makePeerConnection;
    this.send = send;
    this.onTrack = onTrack ?? (() => {});
    this.onState = onState ?? (() => {});
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
    pc.onnegotiationneeded = () => this.#offer();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send({ candidate: candidate.toJSON ? candidate.toJSON() : candidate });
    };
    pc.ontrack = (event) => this.onTrack(event);
    pc.oniceconnectionstatechange = () => this.#iceState(pc);
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    return pc;
  }

  async #offer() {
    const pc = this.#pc;
    try {
      this.#makingOffer = true;
      await pc.setLocalDescription();
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
      if (this.#ignoreOffer) return;
      await pc.setRemoteDescription(description); // rolls back our offer when polite
      if (description.type === "offer") {
        await pc.setLocalDescription();
        this.send({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      }
    } else if (candidate) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        if (!this.#ignoreOffer) this.log("candidate rejected", error);
      }
    }
  }

  // A failed path is restarted at once; a disconnected one after a short grace, by the
  // impolite side only, so a network blip does not make both sides restart together.
  #iceState(pc) {
    const state = pc.iceConnectionState;
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
    if (this.#pc) {
      this.#pc.onnegotiationneeded = null;
      this.#pc.onicecandidate = null;
      this.#pc.ontrack = null;
      this.#pc.close();
    }
    this.#pc = null;
    this.senders = { audio: null, video: null };
  }
}
