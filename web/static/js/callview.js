// What a person sees about their call, decided from what the page knows, with no DOM:
// the message over the other person's video, the status line, and call quality in words.
// A frozen picture is the moment people get lost (issue 16): the connection state can
// stay "connected" for seconds after media stops, so MediaWatch watches the bytes.

// Stats are read this often during a call, and media counts as stopped after this long
// without a new byte: together under 2 s from the last packet to the overlay.
export const SAMPLE_MS = 400;
export const STALL_MS = 1000;

// Received media bytes over time: `stalled` once media that was flowing stops.
export class MediaWatch {
  #bytes = null;
  #changedAt = 0;
  #flowed = false;

  constructor(stallMs = STALL_MS) {
    this.stallMs = stallMs;
  }

  sample(now, bytes) {
    if (this.#bytes === null || bytes !== this.#bytes) {
      // The first reading can already hold every byte there will be (media that flowed
      // for less than one sample and stopped): any byte at all means media reached us.
      if (bytes > (this.#bytes ?? 0)) this.#flowed = true;
      this.#bytes = bytes;
      this.#changedAt = now;
    }
    return this.stalled(now);
  }

  stalled(now) {
    return this.#flowed && now - this.#changedAt >= this.stallMs;
  }

  get flowed() {
    return this.#flowed;
  }
}

// Call quality for people who do not read numbers; "reconnecting" wins over any figure.
export function qualityWord(level, { dropped = false } = {}) {
  if (dropped) return "reconnecting";
  return level === "good" ? "good" : "weak";
}

// `call` describes the page:
//   phase       "prejoin" | "joined" | "left" | "replaced"
//   online      our own socket is connected
//   peer        "absent" | "here" | "reconnecting" (the other person's seat)
//   peerWasHere the other person was in this call before (so "absent" means they left)
//   connection  the peer connection's state ("new", "connecting", "connected", ...)
//   wasConnected media reached us in this call at least once
//   stalled     MediaWatch says media stopped
//   level       quality.js level of the last stats ("good" | "fair" | "poor")
// Returns the keys of what to show: overlay (null: the video is clear), status, and
// quality (null: hidden).
export function callView(call) {
  const { phase, online, peer, peerWasHere, connection, wasConnected, stalled, level } = call;
  if (phase === "prejoin") return { overlay: null, status: "idle", quality: null };
  if (phase === "left") return { overlay: "left", status: "left", quality: null };
  if (phase === "replaced") return { overlay: "replaced", status: "idle", quality: null };
  if (!online) {
    return { overlay: "dropped", status: "reconnecting", quality: wasConnected ? "reconnecting" : null };
  }
  if (peer === "absent") {
    return { overlay: peerWasHere ? "peer-left" : "peer-waiting", status: "waiting", quality: null };
  }
  if (peer === "reconnecting") {
    return { overlay: "peer-reconnecting", status: "reconnecting", quality: "reconnecting" };
  }
  const up = connection === "connected" && !stalled;
  if (up) return { overlay: null, status: "connected", quality: qualityWord(level) };
  if (wasConnected) return { overlay: "dropped", status: "reconnecting", quality: "reconnecting" };
  return { overlay: "peer-connecting", status: "connecting", quality: null };
}

// The figures behind the coach's "details" toggle, from quality.js's summary.
export function figures(summary) {
  const rtt = summary.rttMs == null ? "–" : `${summary.rttMs} ms`;
  return `${rtt} · ${summary.lossPct} % · ${summary.kbps} kbit/s`;
}

// Total media bytes received, the number MediaWatch follows.
export function receivedBytes(report) {
  let total = 0;
  for (const stat of report.values ? report.values() : report) {
    if (stat.type === "inbound-rtp") total += stat.bytesReceived ?? 0;
  }
  return total;
}
