// The room page: camera preview, join, the call, controls, presence and quality.
// Negotiation lives in call.js and quality maths in quality.js; this module only wires DOM.

import { io } from "/vendor/socket.io/socket.io.esm.min.js";
import { Call } from "./call.js";
import { canShareScreen, deviceChoices, shareProblem } from "./devices.js";
import { ErrorCode, Event, ROOM_NAMESPACE } from "./protocol.js";
import { mediaPath, summarize } from "./quality.js";
import { setupRehearsal } from "./rehearsal.js";

const root = document.getElementById("room");
const $ = (id) => document.getElementById(id);
const text = Object.fromEntries(
  [...document.querySelectorAll("#strings [data-key]")].map((el) => [el.dataset.key, el.textContent]),
);
const role = root.dataset.role;
const peerRole = role === "coach" ? "client" : "coach";
const remoteVideo = $("remote-video");
const localVideo = $("local-video");

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// One key per browser, shared by its tabs: a reload or a second tab takes over its own
// seat instead of being refused as a third person.
function deviceKey() {
  let key = localStorage.getItem("tandem.device");
  if (!key) {
    key = randomKey();
    localStorage.setItem("tandem.device", key);
  }
  return key;
}

const state = {
  device: deviceKey(),
  session: randomKey(), // this page load
  socket: null,
  call: null,
  stream: null,
  iceServers: [],
  icePolicy: "all",
  peerSession: null,
  early: [], // signals that arrived before the presence naming their sender
  joined: false,
  takeover: false,
  left: false,
  muted: false,
  cameraOff: false,
  screenTrack: null,
  statsTimer: null,
  lastReport: null,
  lastReportAt: 0,
};
// Opened from the tech check's "practice call" button: the call is logged as practice.
const practice = new URLSearchParams(location.search).get("practice") === "1";
const joinedFlag = `tandem.joined.${root.dataset.engagement || root.dataset.invite.slice(0, 12)}`;

function setStatus(key) {
  $("status").textContent = text[key] ?? key;
  $("status-dot").dataset.state = key;
}

function setOverlay(key) {
  const overlay = $("peer-overlay");
  overlay.hidden = !key;
  overlay.textContent = key ? text[key] : "";
  overlay.dataset.state = key || "none";
}

function showError(key) {
  const box = $("error");
  box.hidden = !key;
  box.textContent = key ? text[key] ?? text["error-generic"] : "";
  box.dataset.code = key || "";
}

async function startPreview(audioOnly) {
  if (!window.RTCPeerConnection || !navigator.mediaDevices?.getUserMedia) {
    showError("error-unsupported");
    return false;
  }
  try {
    const video = audioOnly ? false : { width: { ideal: 1280 }, height: { ideal: 720 } };
    state.stream?.getTracks().forEach((t) => t.stop());
    state.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
    localVideo.srcObject = state.stream;
    localVideo.hidden = audioOnly;
    showError(null);
    await fillDevices();
    return true;
  } catch {
    showError("error-media");
    return false;
  }
}

function connect() {
  if (rehearsal) return rehearsal.connect(); // the echo peer instead of the /room socket
  const auth = role === "coach" ? { engagement: root.dataset.engagement } : { invite: root.dataset.invite };
  const socket = io(ROOM_NAMESPACE, { transports: ["websocket"], auth, reconnectionDelayMax: 4000 });
  state.socket = socket;
  setStatus("connecting");
  socket.on("connect", () => join(state.takeover));
  socket.on("connect_error", (error) => {
    if (error?.data?.error === ErrorCode.UNAUTHORIZED) {
      showError("error-unauthorized");
      socket.disconnect();
    } else {
      if (error?.data?.error === ErrorCode.UNAVAILABLE) showError("error-unavailable");
      setStatus("reconnecting");
    }
  });
  socket.on("disconnect", () => {
    if (!state.left) setStatus("reconnecting");
  });
  socket.on(Event.PRESENCE, onPresence);
  socket.on(Event.SIGNAL, (message) => {
    // Only messages between this page and the peer's current page: anything from or for
    // an earlier page load (a reload on either side) would corrupt the new negotiation.
    if (message.to && message.to !== state.session) return;
    if (message.session !== state.peerSession) {
      // The peer's page may speak before we learn of it (its presence is still on the
      // way): keep what is addressed to us and replay it when its call opens.
      if (message.to === state.session) state.early.push(message);
      state.early.splice(0, Math.max(0, state.early.length - 64));
      return;
    }
    deliver(message);
  });
  socket.on(Event.PEER_MEDIA, onPeerMedia);
  socket.on(Event.REPLACED, () => {
    state.left = true;
    closeCall();
    showError("error-replaced");
    setStatus("idle");
    $("controls").hidden = true;
  });
}

async function join(takeover) {
  const ack = await state.socket
    .timeout(10000)
    .emitWithAck(Event.JOIN, { device: state.device, session: state.session, takeover, practice })
    .catch(() => ({ ok: false, error: "timeout" }));
  if (!ack.ok) {
    if (ack.error === ErrorCode.ROOM_FULL) {
      showError("error-room-full");
      $("recover").hidden = false;
      state.socket.disconnect();
    } else if (ack.error === ErrorCode.UNAVAILABLE) {
      // The shared store is down (a Redis outage): say so, and try again shortly.
      showError("error-unavailable");
      setStatus("reconnecting");
      setTimeout(() => {
        if (state.socket.connected && !state.joined) join(takeover);
      }, 3000);
    } else if (ack.error !== "timeout") {
      showError("error-generic");
    }
    return;
  }
  state.joined = true;
  state.takeover = false;
  state.iceServers = ack.iceServers;
  state.icePolicy = ack.iceTransportPolicy ?? "all";
  sessionStorage.setItem(joinedFlag, "1");
  showError(null);
  $("recover").hidden = true;
  $("prejoin").hidden = true;
  $("controls").hidden = false;
  setStatus("connected");
  sendMediaState();
  onPresence(ack.presence);
}

function onPresence(presence) {
  if (!state.joined) return;
  console.info("presence", JSON.stringify(presence));
  const peer = presence[peerRole];
  const session = presence.sessions?.[peerRole] ?? null;
  if (peer === "here" || peer === "reconnecting") {
    if (session !== state.peerSession) {
      state.peerSession = session;
      openCall();
    }
    const connected = state.call?.pc?.connectionState === "connected";
    setOverlay(peer === "reconnecting" ? "peer-reconnecting" : connected ? null : "peer-connecting");
  } else {
    const wasHere = state.peerSession !== null;
    state.peerSession = null;
    closeCall();
    setOverlay(wasHere ? "peer-left" : "peer-waiting");
    for (const id of ["peer-muted", "peer-camera-off", "peer-sharing"]) $(id).hidden = true;
  }
}

// One message at a time, in arrival order: an answer must be applied before the candidates
// that follow it, and perfect negotiation assumes no interleaving.
let inbox = Promise.resolve();
function deliver(message) {
  const call = state.call;
  inbox = inbox
    .then(() => call?.receive(message))
    .catch((error) => console.warn("signal failed", String(error)));
}

function openCall() {
  closeCall();
  // Call set-up time for the server's metrics: from both people in the room (this call
  // opening) to the first "connected"; reported once per call (docs/protocol.md).
  const openedAt = performance.now();
  let reported = false;
  const call = new Call({
    polite: role === "client",
    // The server may require relay-only (TANDEM_ICE_TRANSPORT_POLICY=relay, docs/coturn.md).
    makePeerConnection: (config) => new RTCPeerConnection({ ...config, iceTransportPolicy: state.icePolicy }),
    send: (message) => state.socket.emit(Event.SIGNAL, { ...message, to: state.peerSession }),
    log: (...args) => console.debug("call:", ...args.map(String)),
    onTrack: ({ track, streams }) => {
      remoteVideo.srcObject = streams[0] ?? new MediaStream([track]);
      remoteVideo.play().catch(() => {});
    },
    onSignaling: (signaling) => {
      if (call !== state.call) return;
      // Exposed for tests and support: how far negotiation got, and how many completed.
      const status = $("status");
      status.dataset.negotiation = signaling;
      if (signaling === "stable") status.dataset.negotiations = String(Number(status.dataset.negotiations ?? 0) + 1);
    },
    onState: (connection) => {
      if (call !== state.call) return;
      console.info("connection", connection);
      $("status").dataset.connection = connection;
      if (connection === "connected") {
        setStatus("connected");
        setOverlay(null);
        if (!reported) {
          reported = true;
          const setup_ms = Math.min(600000, Math.round(performance.now() - openedAt));
          state.socket.emit(Event.CONNECTED, { setup_ms });
        }
      } else if (connection === "failed" || connection === "disconnected") {
        setStatus("reconnecting");
      }
    },
  });
  state.call = call;
  call.open(state.iceServers, state.stream);
  if (state.screenTrack) call.replaceTrack("video", state.screenTrack, state.stream);
  const early = state.early.filter((message) => message.session === state.peerSession);
  state.early = [];
  early.forEach(deliver);
  state.statsTimer = setInterval(updateQuality, 2000);
}

function closeCall() {
  clearInterval(state.statsTimer);
  state.call?.close();
  state.call = null;
  state.lastReport = null;
  remoteVideo.srcObject = null;
  $("quality").hidden = true;
}

async function updateQuality() {
  const pc = state.call?.pc;
  if (!pc) return;
  const report = await pc.getStats();
  const now = performance.now();
  const summary = summarize(state.lastReport, report, (now - state.lastReportAt) / 1000);
  state.lastReport = report;
  state.lastReportAt = now;
  const quality = $("quality");
  quality.hidden = false;
  const rtt = summary.rttMs == null ? "–" : `${summary.rttMs} ms`;
  quality.textContent = `${text[`quality-${summary.level}`]} · ${rtt} · ${summary.lossPct} % · ${summary.kbps} kbit/s`;
  quality.dataset.level = summary.level;
  quality.dataset.framesDecoded = String(summary.framesDecoded);
  reportCall(report, summary.level);
}

// Every fifth reading (about every 10 s) goes to the coach's connection history: the media
// path and the quality level, nothing else. A refused or lost report changes nothing here.
function reportCall(report, level) {
  state.readings = (state.readings ?? 0) + 1;
  if (state.readings % 5 !== 1) return;
  const path = mediaPath(report);
  $("quality").dataset.path = path;
  state.socket?.emit(Event.CALL_REPORT, { path, quality: level }, () => {});
}

function sendMediaState() {
  const audio = state.stream?.getAudioTracks()[0];
  const video = state.stream?.getVideoTracks()[0];
  state.socket?.emit(Event.MEDIA, {
    audio: Boolean(audio && audio.enabled),
    video: Boolean((video && video.enabled) || state.screenTrack),
    screen: Boolean(state.screenTrack),
  });
}

function onPeerMedia(media) {
  $("peer-muted").hidden = media.audio;
  $("peer-camera-off").hidden = media.video;
  $("peer-sharing").hidden = !media.screen;
}

function toggle(button, on, offKey, onKey) {
  button.setAttribute("aria-pressed", String(on));
  button.textContent = text[on ? onKey : offKey];
}

$("mute").addEventListener("click", () => {
  state.muted = !state.muted;
  state.stream?.getAudioTracks().forEach((t) => { t.enabled = !state.muted; });
  toggle($("mute"), state.muted, "mute", "unmute");
  sendMediaState();
});

$("camera").addEventListener("click", () => {
  state.cameraOff = !state.cameraOff;
  state.stream?.getVideoTracks().forEach((t) => { t.enabled = !state.cameraOff; });
  toggle($("camera"), state.cameraOff, "camera-off", "camera-on");
  sendMediaState();
});

async function stopSharing() {
  state.screenTrack?.stop();
  state.screenTrack = null;
  await state.call?.replaceTrack("video", state.stream?.getVideoTracks()[0] ?? null, state.stream);
  toggle($("screen"), false, "share", "stop-share");
  sendMediaState();
}

$("screen").addEventListener("click", async () => {
  if (state.screenTrack) return stopSharing();
  try {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    state.screenTrack = display.getVideoTracks()[0];
    state.screenTrack.addEventListener("ended", stopSharing);
    await state.call?.replaceTrack("video", state.screenTrack, state.stream);
    toggle($("screen"), true, "share", "stop-share");
    sendMediaState();
    if ($("error").dataset.code?.startsWith("share-")) showError(null);
  } catch (error) {
    // A cancel says nothing; anything else tells the person why sharing is not possible.
    const problem = shareProblem(error);
    if (problem) showError(problem);
  }
});
$("screen").hidden = !canShareScreen(navigator.mediaDevices);

$("leave").addEventListener("click", async () => {
  state.left = true;
  sessionStorage.removeItem(joinedFlag);
  await state.socket?.timeout(3000).emitWithAck(Event.LEAVE, {}).catch(() => {});
  state.socket?.disconnect();
  closeCall();
  state.stream?.getTracks().forEach((t) => t.stop());
  $("controls").hidden = true;
  setOverlay(null);
  setStatus("left");
});

$("devices-toggle").addEventListener("click", () => {
  const panel = $("devices");
  panel.hidden = !panel.hidden;
  $("devices-toggle").setAttribute("aria-expanded", String(!panel.hidden));
});

async function fillDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  const fill = (select, kind, current, noneKey) => {
    const { choices, empty } = deviceChoices(devices, kind, current);
    // An empty list says so and cannot be opened, rather than looking broken.
    const options = empty
      ? [new Option(text[noneKey], "")]
      : choices.map((choice) => new Option(choice.label, choice.value, false, choice.selected));
    select.replaceChildren(...options);
    select.disabled = empty;
    return empty;
  };
  fill($("camera-select"), "videoinput", state.stream?.getVideoTracks()[0]?.getSettings().deviceId, "no-cameras");
  fill($("mic-select"), "audioinput", state.stream?.getAudioTracks()[0]?.getSettings().deviceId, "no-microphones");
  const noSpeakers = fill($("speaker-select"), "audiooutput", "default", "no-speakers");
  $("speaker-select").disabled = noSpeakers || typeof remoteVideo.setSinkId !== "function";
}

async function switchDevice(kind, deviceId) {
  const constraints = kind === "video" ? { video: { deviceId: { exact: deviceId } } } : { audio: { deviceId: { exact: deviceId } } };
  try {
    const fresh = await navigator.mediaDevices.getUserMedia(constraints);
    const track = fresh.getTracks()[0];
    const old = kind === "video" ? state.stream.getVideoTracks()[0] : state.stream.getAudioTracks()[0];
    if (old) {
      state.stream.removeTrack(old);
      old.stop();
    }
    state.stream.addTrack(track);
    track.enabled = kind === "video" ? !state.cameraOff : !state.muted;
    if (!(kind === "video" && state.screenTrack)) await state.call?.replaceTrack(kind, track, state.stream);
  } catch {
    showError("error-media");
  }
}

$("camera-select").addEventListener("change", (e) => switchDevice("video", e.target.value));
$("mic-select").addEventListener("change", (e) => switchDevice("audio", e.target.value));
$("speaker-select").addEventListener("change", (e) => remoteVideo.setSinkId?.(e.target.value).catch(() => {}));

$("join").addEventListener("click", async () => {
  $("join").disabled = true;
  if (await startPreview($("audio-only").checked)) connect();
  $("join").disabled = false;
});
$("audio-only").addEventListener("change", (e) => startPreview(e.target.checked));
$("takeover").addEventListener("click", () => {
  state.takeover = true; // the next join asks for the seat even from another device
  state.socket.connect();
});
$("retry").addEventListener("click", () => window.location.reload());
window.addEventListener("online", () => state.call?.restartIce());

// The rehearsal (docs/rehearsal.md): this page with the server's echo peer as the other side.
const rehearsal = setupRehearsal({ root, state, text, remoteVideo, setStatus, setOverlay, showError, startPreview });
// Enabled only now that every handler is wired: a click before that would do nothing.
$("join").disabled = false;

// A reload during a call goes straight back in: no click, and the other side waits.
(async () => {
  setOverlay(null);
  const ok = await startPreview(false);
  if (ok && sessionStorage.getItem(joinedFlag)) connect();
})();
