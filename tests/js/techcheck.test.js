// Pure tech-check helpers (web/static/js/techcheck_core.js), run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MIC_LISTEN_MS,
  RESUME_GRACE_MS,
  browserFamily,
  browserName,
  browserSupport,
  buildReport,
  candidateCount,
  connectionVerdict,
  gradeFigure,
  icePath,
  level,
  peak,
  mediaProblem,
  micVerdict,
  networkFigures,
  readStats,
  retryDelay,
  soundVerdict,
  toneWav,
} from "../../web/static/js/techcheck_core.js";

const THRESHOLDS = {
  rtt_ms: [300, 1000],
  jitter_ms: [30, 100],
  packet_loss_pct: [2, 10],
  bitrate_up_kbps: [150, 50],
  bitrate_down_kbps: [150, 50],
};

test("browser names are short and recognise the common browsers", () => {
  const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
  assert.equal(browserName(chrome), "Chrome 120");
  assert.equal(browserName(`${chrome} Edg/120.0.2210.91`), "Edge 120");
  assert.equal(browserName("Mozilla/5.0 (Windows NT 10.0; rv:121.0) Gecko/20100101 Firefox/121.0"), "Firefox 121");
  assert.equal(
    browserName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"),
    "Safari 17",
  );
  assert.equal(browserName(undefined), "Other browser");
});

test("browser support needs WebRTC and camera access; audio is a nicety", () => {
  assert.deepEqual(browserSupport({ peerConnection: true, getUserMedia: true, audioContext: true }), {
    outcome: "pass",
    advice: null,
  });
  assert.equal(browserSupport({ peerConnection: false, getUserMedia: true, audioContext: true }).outcome, "fail");
  assert.equal(browserSupport({ peerConnection: true, getUserMedia: true, audioContext: false }).outcome, "attention");
});

test("media errors become advice the person can act on", () => {
  assert.deepEqual(mediaProblem("camera", "NotAllowedError"), { outcome: "fail", advice: "camera-blocked" });
  assert.equal(mediaProblem("microphone", "NotFoundError").advice, "microphone-missing");
  assert.equal(mediaProblem("camera", "NotReadableError").advice, "camera-in-use");
  assert.equal(mediaProblem("camera", "Weird").advice, "camera-error");
});

test("level is the RMS of the waveform, zero for silence", () => {
  assert.equal(level(new Uint8Array(64).fill(128)), 0);
  assert.equal(level(new Uint8Array(0)), 0);
  const loud = Uint8Array.from({ length: 64 }, (_, i) => (i % 2 ? 255 : 0));
  assert.ok(level(loud) > 0.99);
});

function snapshot(at, sent, received, packets, lost) {
  return [
    { id: "out", type: "outbound-rtp", timestamp: at, bytesSent: sent },
    { id: "in", type: "inbound-rtp", timestamp: at, bytesReceived: received, packetsReceived: packets, packetsLost: lost, jitter: 0.004, framesDecoded: 30 },
    { id: "rin", type: "remote-inbound-rtp", timestamp: at, fractionLost: 0.01 },
    { id: "t", type: "transport", timestamp: at, selectedCandidatePairId: "p" },
    { id: "p", type: "candidate-pair", timestamp: at, state: "succeeded", currentRoundTripTime: 0.045, localCandidateId: "l", remoteCandidateId: "r" },
    { id: "l", type: "local-candidate", timestamp: at, candidateType: "srflx" },
    { id: "r", type: "remote-candidate", timestamp: at, candidateType: "host" },
  ];
}

test("network figures come from two stats snapshots", () => {
  const before = readStats(snapshot(1000, 0, 0, 0, 0));
  const after = readStats(snapshot(6000, 500_000, 450_000, 990, 10));
  assert.equal(after.framesDecoded, 30);
  assert.deepEqual(networkFigures(before, after), {
    rtt_ms: 45,
    jitter_ms: 4,
    packet_loss_pct: 1,
    bitrate_up_kbps: 800,
    bitrate_down_kbps: 720,
    ice_path: "stun",
  });
});

test("missing measurements stay null instead of becoming zero", () => {
  const empty = readStats([]);
  const figures = networkFigures(empty, empty);
  assert.equal(figures.rtt_ms, null);
  assert.equal(figures.bitrate_up_kbps, null);
  assert.equal(figures.ice_path, "unknown");
});

test("ICE path names the route the call would take", () => {
  assert.equal(icePath("host", "host"), "direct");
  assert.equal(icePath("prflx", "host"), "stun");
  assert.equal(icePath("host", "relay"), "relay");
  assert.equal(icePath(null, null), "unknown");
});

test("figures are graded with the server's thresholds, both directions", () => {
  assert.equal(gradeFigure("rtt_ms", 300, THRESHOLDS), "pass");
  assert.equal(gradeFigure("rtt_ms", 301, THRESHOLDS), "attention");
  assert.equal(gradeFigure("rtt_ms", 1001, THRESHOLDS), "fail");
  assert.equal(gradeFigure("bitrate_up_kbps", 150, THRESHOLDS), "pass");
  assert.equal(gradeFigure("bitrate_up_kbps", 100, THRESHOLDS), "attention");
  assert.equal(gradeFigure("bitrate_up_kbps", 49, THRESHOLDS), "fail");
  assert.equal(gradeFigure("rtt_ms", null, THRESHOLDS), "skipped");
});

test("a busy echo peer is retried after the hint, never hammering nor waiting forever", () => {
  assert.equal(retryDelay(1), 5);
  assert.equal(retryDelay(42), 42);
  assert.equal(retryDelay(500), 60);
  assert.equal(retryDelay(undefined), 30);
  assert.ok(retryDelay(10, 3) > retryDelay(10, 0));
});

test("the report has every step and drops unmeasured figures", () => {
  const report = buildReport("Chrome 120", { browser: "pass", camera: "fail" }, { rtt_ms: 3, jitter_ms: null, ice_path: "direct" });
  assert.deepEqual(report, {
    browser: "Chrome 120",
    steps: { browser: "pass", camera: "fail", microphone: "skipped", speakers: "skipped", network: "skipped" },
    network: { rtt_ms: 3, ice_path: "direct" },
  });
});

test("the test sound is a valid WAV of the requested length", () => {
  const wav = toneWav(0.5, 440, 8000);
  assert.equal(wav.length, 44 + 8000);
  assert.equal(String.fromCharCode(...wav.slice(0, 4)), "RIFF");
  assert.equal(String.fromCharCode(...wav.slice(8, 12)), "WAVE");
});

test("peak finds a short sound that the RMS of a long window would dilute", () => {
  const quiet = new Uint8Array(32768).fill(128);
  quiet.fill(200, 1000, 1960); // a 20 ms beep at 48 kHz
  assert.ok(peak(quiet) > 0.5);
  assert.ok(level(quiet) < 0.12);
  assert.equal(peak(new Uint8Array(16).fill(128)), 0);
});

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";
const SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const EDGE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0";

test("the advice for a browser that will not listen names that browser", () => {
  assert.equal(browserFamily(FIREFOX), "firefox");
  assert.equal(browserFamily(SAFARI), "safari");
  assert.equal(browserFamily(EDGE), "chromium");
  assert.equal(browserFamily(""), "chromium");
});

test("a suspended audio context is the browser not listening, not a silent microphone", () => {
  const base = { heard: false, family: "firefox", sinceRunningMs: 0 };
  assert.equal(micVerdict({ ...base, contextState: "suspended", sinceStartMs: RESUME_GRACE_MS - 1 }), null);
  assert.deepEqual(micVerdict({ ...base, contextState: "suspended", sinceStartMs: RESUME_GRACE_MS + 20000 }), {
    outcome: "attention",
    advice: "microphone-not-listening-firefox",
  });
  assert.equal(micVerdict({ ...base, contextState: "interrupted", sinceStartMs: 60000, family: "safari" }).advice,
    "microphone-not-listening-safari");
});

test("a running context that hears nothing for long enough means a silent microphone", () => {
  const base = { heard: false, family: "chromium", contextState: "running", sinceStartMs: 60000 };
  // The time counts from when the context started running, not from the click.
  assert.equal(micVerdict({ ...base, sinceRunningMs: MIC_LISTEN_MS - 1 }), null);
  assert.deepEqual(micVerdict({ ...base, sinceRunningMs: MIC_LISTEN_MS }), { outcome: "attention", advice: "microphone-quiet" });
  assert.deepEqual(micVerdict({ ...base, heard: true, sinceRunningMs: 10 }), { outcome: "pass", advice: "microphone-pass" });
});

test("the test sound asks 'did you hear it?' only when it could play", () => {
  assert.equal(soundVerdict({ ended: true }), null);
  const sinkError = new Error("sink");
  assert.deepEqual(soundVerdict({ sinkError, ended: true }), { outcome: "fail", advice: "speakers-output" });
  assert.equal(soundVerdict({ playError: { name: "NotAllowedError" } }).advice, "speakers-blocked");
  assert.equal(soundVerdict({ playError: { name: "NotSupportedError" } }).advice, "speakers-broken");
  // Firefox without an output: play() resolves, then the element reports a MediaError.
  assert.equal(soundVerdict({ mediaError: { code: 3, message: "OnMediaSinkAudioError" }, ended: false }).advice, "speakers-broken");
  assert.equal(soundVerdict({ ended: false }).advice, "speakers-broken"); // never finished
});

test("the echo step ends on the connection's own verdict", () => {
  assert.equal(connectionVerdict("connecting", "checking"), null);
  assert.equal(connectionVerdict("connected", "connected"), "connected");
  assert.equal(connectionVerdict("failed", "failed"), "failed");
  assert.equal(connectionVerdict("closed", "closed"), "failed");
  assert.equal(connectionVerdict("connecting", "failed"), "failed"); // ICE gave up first
  assert.equal(connectionVerdict("disconnected", "disconnected"), null); // may come back
});

test("a connection with nothing left to try has failed, even while the browser says checking", () => {
  const checking = (ice) => connectionVerdict("connecting", "checking", ice);
  assert.equal(checking({ remoteCandidates: 0, pairStates: [] }), "failed"); // the answer had none
  assert.equal(checking({ remoteCandidates: 2, pairStates: [] }), null); // pairs not formed yet
  assert.equal(checking({ remoteCandidates: 2, pairStates: ["failed", "in-progress"] }), null);
  assert.equal(checking({ remoteCandidates: 2, pairStates: ["failed", "failed"] }), "failed");
  assert.equal(connectionVerdict("connected", "checking", { remoteCandidates: 0 }), "connected");
  // Relay only and the TURN server refused us: our side has nothing to offer.
  assert.equal(checking({ remoteCandidates: 1, localCandidates: 0, gatheringComplete: true }), "failed");
  assert.equal(checking({ remoteCandidates: 1, localCandidates: 0, gatheringComplete: false }), null);
  assert.equal(checking(undefined), null);
});

test("candidates are counted in an SDP", () => {
  const sdp = "v=0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=candidate:2 1 udp 1 127.0.0.1 5001 typ host\r\na=end-of-candidates\r\n";
  assert.equal(candidateCount(sdp), 2);
  assert.equal(candidateCount("v=0\r\na=end-of-candidates\r\n"), 0);
  assert.equal(candidateCount(undefined), 0);
});
