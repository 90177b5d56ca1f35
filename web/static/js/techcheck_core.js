// Pure helpers of the tech check: no DOM, no WebRTC objects, so node --test covers them
// (tests/js/techcheck.test.js). The page module (techcheck.js) wires them to the browser.
//
// The server decides the final verdict (rooms/techcheck.py); `gradeFigure` uses the same
// thresholds, which the server sends with echo:ice, only to show live hints per figure.

export const Outcome = Object.freeze({
  PASS: "pass",
  ATTENTION: "attention",
  FAIL: "fail",
  SKIPPED: "skipped",
});

export const STEPS = Object.freeze(["browser", "camera", "microphone", "speakers", "network"]);

// Figures where a low value is the bad one; mirrors LOW_IS_BAD in rooms/techcheck.py.
const LOW_IS_BAD = new Set(["bitrate_up_kbps", "bitrate_down_kbps"]);

// Mic level (RMS of the waveform, 0..1) above which we say "we can hear you".
export const HEARD_PEAK = 0.06;

/** A short, human name for the coach's dashboard ("Chrome 120"), never the whole UA. */
export function browserName(userAgent) {
  const ua = String(userAgent || "");
  const rules = [
    ["Edge", /Edg(?:e|A|iOS)?\/(\d+)/],
    ["Opera", /OPR\/(\d+)/],
    ["Samsung Internet", /SamsungBrowser\/(\d+)/],
    ["Firefox", /(?:Firefox|FxiOS)\/(\d+)/],
    ["Chrome", /(?:Chrome|CriOS)\/(\d+)/],
    ["Safari", /Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//],
  ];
  for (const [name, pattern] of rules) {
    const match = ua.match(pattern);
    if (match) return `${name} ${match[1]}`;
  }
  return "Other browser";
}

/** Browser support from feature flags (booleans), so it is testable without a browser. */
export function browserSupport({ peerConnection, getUserMedia, audioContext }) {
  if (!peerConnection || !getUserMedia) return { outcome: Outcome.FAIL, advice: "browser-fail" };
  if (!audioContext) return { outcome: Outcome.ATTENTION, advice: "browser-attention" };
  return { outcome: Outcome.PASS, advice: null };
}

/** What a getUserMedia error means for the person, as an outcome and an advice key. */
export function mediaProblem(kind, errorName) {
  const reasons = {
    NotAllowedError: "blocked",
    SecurityError: "blocked",
    NotFoundError: "missing",
    OverconstrainedError: "missing",
    NotReadableError: "in-use",
    AbortError: "in-use",
  };
  return { outcome: Outcome.FAIL, advice: `${kind}-${reasons[errorName] ?? "error"}` };
}

/** RMS level (0..1) of an analyser's byte time-domain data (128 is silence). */
export function level(samples) {
  if (!samples || samples.length === 0) return 0;
  let sum = 0;
  for (const value of samples) {
    const centred = (value - 128) / 128;
    sum += centred * centred;
  }
  return Math.sqrt(sum / samples.length);
}

/**
 * Peak level (0..1) of the same data. Hearing is decided on the peak over a long window,
 * not on the RMS of a short slice: a short sound (a word, a fake device's beep) between
 * two polls would otherwise be missed.
 */
export function peak(samples) {
  let highest = 0;
  for (const value of samples ?? []) highest = Math.max(highest, Math.abs(value - 128) / 128);
  return highest;
}

/** Picks the numbers we need out of an RTCStatsReport's values (plain objects). */
export function readStats(entries) {
  const snapshot = {
    timestamp: 0,
    bytesSent: 0,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    framesDecoded: 0,
    jitterMs: null,
    remoteFractionLost: null,
    rttMs: null,
    localType: null,
    remoteType: null,
  };
  const byId = new Map(entries.map((stats) => [stats.id, stats]));
  let pair = null;
  for (const stats of entries) {
    snapshot.timestamp = Math.max(snapshot.timestamp, stats.timestamp || 0);
    if (stats.type === "outbound-rtp") snapshot.bytesSent += stats.bytesSent || 0;
    if (stats.type === "inbound-rtp") {
      snapshot.bytesReceived += stats.bytesReceived || 0;
      snapshot.packetsReceived += stats.packetsReceived || 0;
      snapshot.packetsLost += Math.max(0, stats.packetsLost || 0);
      snapshot.framesDecoded += stats.framesDecoded || 0;
      if (typeof stats.jitter === "number") {
        snapshot.jitterMs = Math.max(snapshot.jitterMs ?? 0, stats.jitter * 1000);
      }
    }
    if (stats.type === "remote-inbound-rtp" && typeof stats.fractionLost === "number") {
      snapshot.remoteFractionLost = Math.max(snapshot.remoteFractionLost ?? 0, stats.fractionLost);
    }
    if (stats.type === "candidate-pair" && (stats.nominated || stats.selected) && stats.state === "succeeded") {
      pair = stats;
    }
  }
  // Chrome names the pair in use on the transport; others mark it "selected"/nominated.
  const transport = entries.find((stats) => stats.type === "transport" && stats.selectedCandidatePairId);
  if (transport) pair = byId.get(transport.selectedCandidatePairId) ?? pair;
  if (pair) {
    if (typeof pair.currentRoundTripTime === "number") snapshot.rttMs = pair.currentRoundTripTime * 1000;
    snapshot.localType = byId.get(pair.localCandidateId)?.candidateType ?? null;
    snapshot.remoteType = byId.get(pair.remoteCandidateId)?.candidateType ?? null;
  }
  return snapshot;
}

/** direct / stun / relay from the selected pair's candidate types (either side relayed). */
export function icePath(localType, remoteType) {
  if (localType === "relay" || remoteType === "relay") return "relay";
  if (localType === "srflx" || localType === "prflx" || remoteType === "srflx" || remoteType === "prflx") {
    return "stun";
  }
  if (localType === "host") return "direct";
  return "unknown";
}

const round1 = (value) => (value === null || !Number.isFinite(value) ? null : Math.round(value * 10) / 10);

/** The report's network figures from two snapshots taken `after - before` apart. */
export function networkFigures(before, after) {
  const seconds = (after.timestamp - before.timestamp) / 1000;
  const kbps = (bytes) => (seconds > 0 ? (Math.max(0, bytes) * 8) / 1000 / seconds : null);
  const received = after.packetsReceived - before.packetsReceived;
  const lost = after.packetsLost - before.packetsLost;
  const downLoss = received + lost > 0 ? (100 * Math.max(0, lost)) / (received + lost) : 0;
  const upLoss = after.remoteFractionLost === null ? 0 : 100 * after.remoteFractionLost;
  return {
    rtt_ms: round1(after.rttMs),
    jitter_ms: round1(after.jitterMs),
    packet_loss_pct: round1(Math.min(100, Math.max(downLoss, upLoss))),
    bitrate_up_kbps: round1(kbps(after.bytesSent - before.bytesSent)),
    bitrate_down_kbps: round1(kbps(after.bytesReceived - before.bytesReceived)),
    ice_path: icePath(after.localType, after.remoteType),
  };
}

/** pass / attention / fail for one figure; thresholds are [advise beyond, fail beyond]. */
export function gradeFigure(name, value, thresholds) {
  const limits = thresholds?.[name];
  if (value === null || value === undefined || !limits) return Outcome.SKIPPED;
  const sign = LOW_IS_BAD.has(name) ? -1 : 1;
  if (sign * value > sign * limits[1]) return Outcome.FAIL;
  return sign * value > sign * limits[0] ? Outcome.ATTENTION : Outcome.PASS;
}

/** Seconds to wait before retrying a busy echo peer: the server's hint, within reason. */
export function retryDelay(retryAfter, attempt = 0) {
  const hint = Number.isFinite(retryAfter) ? retryAfter : 30;
  return Math.min(60, Math.max(5, hint) + Math.min(attempt, 5) * 2);
}

/** The report payload for report:save; steps not reached count as skipped. */
export function buildReport(browser, outcomes, figures) {
  const steps = Object.fromEntries(STEPS.map((step) => [step, outcomes[step] ?? Outcome.SKIPPED]));
  const network = figures
    ? Object.fromEntries(Object.entries(figures).filter(([, value]) => value !== null))
    : {};
  return { browser: String(browser).slice(0, 80), steps, network };
}

/** A mono 16-bit PCM WAV of a soft sine tone, for the "did you hear it?" test sound. */
export function toneWav(seconds = 1.5, frequency = 440, rate = 22050) {
  const samples = Math.round(seconds * rate);
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const text = (offset, value) => [...value].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i += 1) {
    const fade = Math.min(1, i / (rate * 0.05), (samples - i) / (rate * 0.05));
    const value = Math.sin((2 * Math.PI * frequency * i) / rate) * 0.4 * fade;
    view.setInt16(44 + i * 2, Math.round(value * 32767), true);
  }
  return bytes;
}

// Sound: the microphone meter and the test tone ----------------------------------------------

// How long a suspended AudioContext may take to start after the person's click before we say
// the browser is not letting us listen (a running one starts within a few hundred ms).
export const RESUME_GRACE_MS = 2500;
// How long we listen to a running microphone before saying we hear nothing.
export const MIC_LISTEN_MS = 12000;

/** Which browser's words to use for "your browser is not letting us listen". */
export function browserFamily(userAgent) {
  const name = browserName(userAgent);
  if (name.startsWith("Firefox")) return "firefox";
  if (name.startsWith("Safari")) return "safari";
  return "chromium";
}

/**
 * The microphone step from what the meter knows: the AudioContext's state, whether a sound
 * reached the threshold, how long since the click and since the context started running.
 * null means "keep listening". A context that never runs is the browser's doing (no sound
 * output, autoplay rules), not a silent microphone, and gets its own advice.
 */
export function micVerdict({ contextState, heard, sinceStartMs, sinceRunningMs, family }) {
  if (heard) return { outcome: Outcome.PASS, advice: "microphone-pass" };
  if (contextState !== "running") {
    if (sinceStartMs < RESUME_GRACE_MS) return null;
    return { outcome: Outcome.ATTENTION, advice: `microphone-not-listening-${family}` };
  }
  if (sinceRunningMs >= MIC_LISTEN_MS) return { outcome: Outcome.ATTENTION, advice: "microphone-quiet" };
  return null;
}

/**
 * The speaker step from what the test tone did: null when it played to the end (then we ask
 * whether the person heard it), else a failure with what to try. `sinkError` is a rejected
 * setSinkId, `playError` a rejected play(), `mediaError` the element's MediaError (Firefox
 * reports a missing output as one, after play() resolved); `ended` is false when the tone
 * did not finish in time or the page's AudioContext would not start (no output at all).
 */
export function soundVerdict({ sinkError, playError, mediaError, ended }) {
  const fail = (advice) => ({ outcome: Outcome.FAIL, advice });
  if (sinkError) return fail("speakers-output");
  if (playError?.name === "NotAllowedError") return fail("speakers-blocked");
  if (playError || mediaError) return fail("speakers-broken");
  return ended ? null : fail("speakers-broken");
}

/**
 * "connected", "failed" or null (still trying), from the connection's own states and, for
 * browsers that report "failed" late or never (Chromium with nothing to try stays
 * "checking"), from its ICE agent: nothing to try on one side (the echo peer's answer named
 * no candidate, or our gathering completed without one, e.g. a TURN server that refused
 * us under a relay-only policy), or every candidate pair formed has failed.
 */
export function connectionVerdict(connectionState, iceConnectionState, ice = {}) {
  if (connectionState === "connected") return "connected";
  if (["failed", "closed"].includes(connectionState) || iceConnectionState === "failed") return "failed";
  const { remoteCandidates, localCandidates, gatheringComplete, pairStates } = ice;
  if (remoteCandidates === 0 || (gatheringComplete && localCandidates === 0)) return "failed";
  if (pairStates?.length && pairStates.every((state) => state === "failed")) return "failed";
  return null;
}

/** How many ICE candidates an SDP carries (the echo peer's answer has all of its own). */
export function candidateCount(sdp) {
  return (String(sdp ?? "").match(/^a=candidate:/gm) ?? []).length;
}
