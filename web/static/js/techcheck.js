// The tech-check page: five steps, a loopback call through the server's echo peer, and
// the readiness report. Maths and grading live in techcheck_core.js; this module wires DOM
// (textContent only) and browser APIs.

import { openSocket } from "./sockets.js";
import { ErrorCode, TECHCHECK_NAMESPACE, TechCheckEvent } from "./protocol.js";
import { watchRevoked } from "./revoked.js";
import { deviceChoices } from "./devices.js";
import {
  Outcome,
  browserFamily,
  browserName,
  browserSupport,
  buildReport,
  candidateCount,
  connectionVerdict,
  gradeFigure,
  mediaProblem,
  networkFigures,
  readStats,
  retryDelay,
} from "./techcheck_core.js";
import { listenToMic, playSound, resumeMic, stopMic } from "./techcheck_sound.js";

const root = document.getElementById("techcheck");
const $ = (id) => document.getElementById(id);
const byTestId = (id) => root.querySelector(`[data-testid="${id}"]`);
const text = Object.fromEntries(
  [...document.querySelectorAll("#strings [data-key]")].map((el) => [el.dataset.key, el.textContent]),
);
const thresholds = JSON.parse(root.dataset.thresholds || "{}");

const MEASURE_MS = 5000; // long enough for bitrate estimates to settle on a real network
const GATHER_MS = 5000; // the echo peer takes no trickled candidates: wait for them all
// Only a backstop: the step ends on the connection's own verdict (connectionVerdict), which
// Firefox gives within ~5 s and Chromium's candidate pairs give once their checks fail.
const CONNECT_BACKSTOP_MS = 60000;
const PAIR_POLL_MS = 500;

const state = {
  outcomes: {},
  stream: null,
  socket: null,
  pc: null,
  figures: null,
  retryTimer: null,
  attempts: 0,
  measuring: false,
};

function setStep(step, outcome, adviceKey) {
  const item = $(`step-${step}`);
  state.outcomes[step] = outcome;
  item.dataset.outcome = outcome;
  byTestId(`step-${step}-result`).textContent = text[`outcome-${outcome}`] ?? "";
  byTestId(`step-${step}-advice`).textContent = adviceKey ? (text[adviceKey] ?? "") : "";
}

function showError(key) {
  const box = $("error");
  box.hidden = !key;
  box.textContent = key ? (text[key] ?? text["error-generic"]) : "";
}

// 1. Browser ---------------------------------------------------------------------------

function checkBrowser() {
  const AudioCtx = window.AudioContext || window.webkitAudioContext;
  const support = browserSupport({
    peerConnection: typeof window.RTCPeerConnection === "function",
    getUserMedia: typeof navigator.mediaDevices?.getUserMedia === "function",
    audioContext: typeof AudioCtx === "function",
  });
  setStep("browser", support.outcome, support.advice ?? "browser-pass");
  return support.outcome !== Outcome.FAIL;
}

// 2 and 3. Camera and microphone ---------------------------------------------------------

async function startMedia() {
  setStep("camera", "pending", "checking");
  const camera = $("camera-select").value;
  const mic = $("mic-select").value;
  const video = camera ? { deviceId: { exact: camera } } : { width: { ideal: 640 }, height: { ideal: 480 } };
  const audio = mic ? { deviceId: { exact: mic } } : true;
  let stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video, audio });
  } catch (error) {
    // Try each device alone, so one missing or blocked device does not hide the other.
    const [videoOnly, audioOnly] = await Promise.allSettled([
      navigator.mediaDevices.getUserMedia({ video }),
      navigator.mediaDevices.getUserMedia({ audio }),
    ]);
    const tracks = [videoOnly, audioOnly]
      .filter((result) => result.status === "fulfilled")
      .flatMap((result) => result.value.getTracks());
    stream = tracks.length ? new MediaStream(tracks) : null;
    if (videoOnly.status === "rejected") {
      const problem = mediaProblem("camera", videoOnly.reason?.name ?? error?.name);
      setStep("camera", problem.outcome, problem.advice);
    }
    if (audioOnly.status === "rejected") {
      const problem = mediaProblem("microphone", audioOnly.reason?.name ?? error?.name);
      setStep("microphone", problem.outcome, problem.advice);
    }
  }
  useStream(stream);
  await fillDevices();
}

function useStream(stream) {
  state.stream?.getTracks().forEach((track) => track.stop());
  state.stream = stream;
  const preview = $("camera-preview");
  const hasVideo = Boolean(stream?.getVideoTracks().length);
  preview.srcObject = hasVideo ? stream : null;
  preview.hidden = !hasVideo;
  if (hasVideo) setStep("camera", Outcome.PASS, "camera-pass");
  if (stream?.getAudioTracks().length) {
    const family = browserFamily(navigator.userAgent);
    listenToMic(stream, { setStep, family, meter: $("mic-level"), resumeButton: $("mic-resume") });
  }
  replaceLoopbackTracks();
}

async function fillDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  const fill = (select, kind, current, noneKey) => {
    const { choices, empty } = deviceChoices(devices, kind, select.value || current);
    // An empty list says so and cannot be opened, rather than looking broken.
    const options = empty
      ? [new Option(text[noneKey], "")]
      : choices.map((choice) => new Option(choice.label, choice.value, false, choice.selected));
    select.replaceChildren(...options);
    select.disabled = choices.length < 2;
    return empty;
  };
  fill($("camera-select"), "videoinput", state.stream?.getVideoTracks()[0]?.getSettings().deviceId, "no-cameras");
  fill($("mic-select"), "audioinput", state.stream?.getAudioTracks()[0]?.getSettings().deviceId, "no-microphones");
  const speakers = $("speaker-select");
  if (typeof HTMLMediaElement.prototype.setSinkId === "function") {
    fill(speakers, "audiooutput", "", "no-speakers");
    speakers.hidden = $("speaker-label").hidden = false;
  }
}

// 4. Speakers ----------------------------------------------------------------------------

function askHeard(show) {
  $("heard").hidden = !show;
  if (show) $("heard-yes").focus();
}

function testSound() {
  const sinkId = $("speaker-select").disabled ? "" : $("speaker-select").value;
  return playSound({ sound: $("test-sound"), sinkId, setStep, ask: askHeard });
}

// 5. Connection: loopback through the echo peer --------------------------------------------

function connectSocket() {
  if (state.socket) return state.socket;
  const auth = root.dataset.role === "coach" ? { engagement: root.dataset.engagement } : { invite: root.dataset.invite };
  const socket = openSocket(TECHCHECK_NAMESPACE, { auth, reconnectionDelayMax: 5000 });
  watchRevoked(socket);
  socket.on("connect_error", (error) => {
    if (error?.data?.error === ErrorCode.UNAUTHORIZED) {
      showError("error-unauthorized");
      socket.disconnect();
    }
  });
  // Another tab or device of ours started the test: the server gave it our echo session
  // (one per person), so stop here and say where the test went.
  socket.on(TechCheckEvent.ECHO_TAKEN_OVER, () => {
    clearTimeout(state.retryTimer);
    closeLoopback();
    networkStatus("network-taken-over");
  });
  state.socket = socket;
  return socket;
}

async function call(event, payload) {
  try {
    return await connectSocket().timeout(15000).emitWithAck(event, payload);
  } catch {
    return { ok: false, error: "timeout" };
  }
}

function networkStatus(key) {
  $("network-status").textContent = key ? (text[key] ?? "") : "";
}

async function startNetwork() {
  clearTimeout(state.retryTimer);
  if (!state.stream || state.stream.getTracks().length === 0) {
    networkStatus("network-needs-media");
    return;
  }
  closeLoopback();
  setStep("network", "pending", null);
  networkStatus("network-connecting");
  const config = await call(TechCheckEvent.ECHO_ICE);
  const pc = new RTCPeerConnection({
    iceServers: config.ok ? config.iceServers : [],
    iceTransportPolicy: config.ok ? config.iceTransportPolicy : "all",
  });
  state.pc = pc;
  for (const track of state.stream.getTracks()) pc.addTrack(track, state.stream);
  pc.ontrack = ({ track, streams }) => {
    const video = $("loopback-video");
    const stream = video.srcObject ?? streams[0] ?? new MediaStream();
    if (!stream.getTracks().includes(track)) stream.addTrack(track);
    video.srcObject = stream;
    video.hidden = false;
    $("hear-toggle").hidden = false;
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  if (state.pc !== pc) return;
  const ack = await call(TechCheckEvent.ECHO_OFFER, { type: "offer", sdp: pc.localDescription.sdp });
  if (state.pc !== pc) return;
  if (!ack.ok) {
    closeLoopback();
    if (ack.error === ErrorCode.BUSY) {
      // Everyone's checks share a few echo peers: wait our turn, then try by ourselves.
      const seconds = retryDelay(ack.retry_after, state.attempts);
      state.attempts += 1;
      networkStatus("network-busy");
      $("network-status").dataset.busy = "true";
      state.retryTimer = setTimeout(startNetwork, seconds * 1000);
      return;
    }
    setStep("network", Outcome.FAIL, "network-fail");
    networkStatus(null);
    return;
  }
  delete $("network-status").dataset.busy;
  state.attempts = 0;
  await pc.setRemoteDescription(ack.answer);
  if (await connected(pc, candidateCount(ack.answer.sdp))) {
    await measure(pc);
  } else if (state.pc === pc) {
    setStep("network", Outcome.FAIL, "network-fail");
    networkStatus(null);
    closeLoopback();
  }
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => pc.iceGatheringState === "complete" && done();
    const timer = setTimeout(done, GATHER_MS);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function connected(pc, remoteCandidates) {
  return new Promise((resolve) => {
    let done = false;
    const check = async () => {
      const stats = [...(await pc.getStats().catch(() => new Map())).values()];
      const verdict = connectionVerdict(pc.connectionState, pc.iceConnectionState, {
        remoteCandidates,
        localCandidates: candidateCount(pc.localDescription?.sdp), // includes late ones
        gatheringComplete: pc.iceGatheringState === "complete",
        pairStates: stats.filter((entry) => entry.type === "candidate-pair").map((entry) => entry.state),
      });
      if (verdict) finish(verdict === "connected");
    };
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      pc.removeEventListener("connectionstatechange", check);
      pc.removeEventListener("iceconnectionstatechange", check);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), CONNECT_BACKSTOP_MS);
    const poll = setInterval(check, PAIR_POLL_MS); // pair states change without an event
    pc.addEventListener("connectionstatechange", check);
    pc.addEventListener("iceconnectionstatechange", check);
    check();
  });
}

async function measure(pc) {
  networkStatus("network-measuring");
  const snapshot = async () => readStats([...(await pc.getStats()).values()]);
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Measure once media is flowing both ways, not during the connection's first second.
  for (let i = 0; i < 20 && (await snapshot()).packetsReceived === 0; i += 1) await wait(250);
  const before = await snapshot();
  await wait(MEASURE_MS);
  if (state.pc !== pc) return;
  const after = await snapshot();
  const figures = networkFigures(before, after);
  state.figures = figures;
  showFigures(figures);
  const echoed = after.packetsReceived > before.packetsReceived;
  setStep("network", echoed ? Outcome.PASS : Outcome.FAIL, echoed ? "network-pass" : "network-fail");
  networkStatus(null);
}

function showFigures(figures) {
  for (const [name, value] of Object.entries(figures)) {
    const cell = byTestId(`figure-${name}`);
    if (!cell) continue;
    if (name === "ice_path") {
      cell.textContent = text[`path-${value}`] ?? value;
      continue;
    }
    const unit = { rtt_ms: " ms", jitter_ms: " ms", packet_loss_pct: " %" }[name] ?? " kbit/s";
    cell.textContent = value === null ? "–" : `${value}${unit}`;
    cell.dataset.grade = gradeFigure(name, value, thresholds);
    cell.parentElement.dataset.grade = cell.dataset.grade;
  }
  $("figures").hidden = false;
}

function replaceLoopbackTracks() {
  if (!state.pc || !state.stream) return;
  for (const sender of state.pc.getSenders()) {
    const track = state.stream.getTracks().find((t) => t.kind === sender.track?.kind);
    if (track) sender.replaceTrack(track).catch(() => {});
  }
}

function closeLoopback() {
  if (!state.pc) return;
  state.pc.close();
  state.pc = null;
  const video = $("loopback-video");
  video.srcObject = null;
  video.hidden = true;
  $("hear-toggle").hidden = true;
  if (state.socket?.connected) state.socket.emit(TechCheckEvent.ECHO_STOP);
}

// Report -------------------------------------------------------------------------------------

async function finish() {
  showError(null);
  $("finish").disabled = true;
  const report = buildReport(browserName(navigator.userAgent), state.outcomes, state.figures);
  const ack = await call(TechCheckEvent.REPORT_SAVE, { report });
  $("finish").disabled = false;
  if (!ack.ok) {
    showError(ack.error === ErrorCode.UNAUTHORIZED ? "error-unauthorized" : "error-generic");
    return;
  }
  clearTimeout(state.retryTimer);
  closeLoopback();
  showReport(ack.report);
}

function showReport(saved) {
  const readiness = $("readiness");
  readiness.dataset.readiness = saved.readiness;
  readiness.textContent = text[`readiness-${saved.readiness}`] ?? saved.readiness;
  const items = saved.advice.map((code) => {
    const step = code.split("-")[0];
    const key = text[`advice-${code}`] ? `advice-${code}` : `advice-${step}`;
    const item = document.createElement("li");
    item.textContent = text[key] ?? code;
    item.dataset.code = code;
    return item;
  });
  if (items.length === 0) {
    const item = document.createElement("li");
    item.textContent = text["advice-none"];
    items.push(item);
  }
  $("report-advice").replaceChildren(...items);
  $("report").hidden = false;
  $("report-title").focus();
}

// Wiring -----------------------------------------------------------------------------------

$("camera-start").addEventListener("click", startMedia);
$("camera-select").addEventListener("change", startMedia);
$("mic-select").addEventListener("change", startMedia);
$("play-sound").addEventListener("click", testSound);
$("mic-resume").addEventListener("click", resumeMic);
$("heard-yes").addEventListener("click", () => {
  askHeard(false);
  setStep("speakers", Outcome.PASS, "speakers-pass");
});
$("heard-no").addEventListener("click", () => {
  askHeard(false);
  setStep("speakers", Outcome.FAIL, "speakers-fail");
});
$("network-start").addEventListener("click", startNetwork);
$("hear-toggle").addEventListener("click", (event) => {
  const video = $("loopback-video");
  video.muted = !video.muted;
  event.currentTarget.setAttribute("aria-pressed", String(!video.muted));
});
$("finish").addEventListener("click", finish);
$("restart").addEventListener("click", () => {
  $("report").hidden = true;
  $("camera-start").focus();
});
window.addEventListener("pagehide", () => {
  stopMic();
  closeLoopback();
  state.socket?.disconnect();
});

if (!checkBrowser()) {
  for (const id of ["camera-start", "play-sound", "network-start"]) $(id).disabled = true;
}
