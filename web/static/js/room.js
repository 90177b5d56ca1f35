// The room page: camera preview, join, the call, controls, presence and quality.
// Negotiation lives in call.js, quality maths in quality.js, and what the page says about
// the call (overlay, status, quality in words) in callview.js; this module only wires DOM.
// The other person's side is the socket's presence plus one Call: openCall/closeCall.

import { openSocket } from "./sockets.js";
import { watchRevoked } from "./revoked.js";
import { Call } from "./call.js";
import { MediaWatch, SAMPLE_MS, callView, figures, receivedBytes } from "./callview.js";
import { canShareScreen, deviceChoices, shareProblem } from "./devices.js";
import { ErrorCode, Event, ROOM_NAMESPACE } from "./protocol.js";
import { askWords, refusedKey, replacedKey, waitingKey } from "./admission.js";
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
  streamAudioOnly: null, // what the preview stream was asked for
  wantJoin: false, // the socket joins when it connects (it connects on page load)
  iceServers: [],
  icePolicy: "all",
  peerSession: null,
  early: [], // signals that arrived before the presence naming their sender
  joined: false,
  takeover: false,
  waiting: null, // {request, asked}: this page's request to take the seat from another device
  left: false,
  muted: false,
  cameraOff: false,
  screenTrack: null,
  statsTimer: null,
  lastReport: null,
  lastReportAt: 0,
  // What callview.js needs; render() turns it into the overlay, status and quality.
  phase: "prejoin", // "joined", "left", "replaced"
  online: false,
  peer: "absent", // "here", "reconnecting"
  peerWasHere: false,
  connection: "new",
  wasConnected: false,
  stalled: false,
  level: "good",
  watch: new MediaWatch(),
  dropped: false,
};
// Opened from the tech check's "practice call" button: the call is logged as practice.
const practice = new URLSearchParams(location.search).get("practice") === "1";
const joinedFlag = `tandem.joined.${root.dataset.engagement || root.dataset.invite.slice(0, 12)}`;
// The seat token this browser was given for this seat (docs/protocol.md "Whose seat it
// is"): with it, this browser takes its seat back from another device without asking.
const seatTokenKey = `tandem.seat.${role}.${root.dataset.engagement || root.dataset.invite.slice(0, 12)}`;

const rehearsing = root.dataset.rehearsal === "1";

function setStatus(key) {
  $("status").textContent = text[key] ?? key;
  $("status-dot").dataset.state = key;
}

// The rehearsal (rehearsal.js) sets its own keys directly and words "left" its own way.
function setOverlay(key) {
  const overlay = $("peer-overlay");
  overlay.hidden = !key;
  const words = (rehearsing && text[key]) || text[`overlay-${key}`] || text[key];
  overlay.textContent = key ? words : "";
  overlay.dataset.state = key || "none";
}

function render() {
  const view = callView(state);
  setStatus(view.status);
  setOverlay(view.overlay);
  const quality = $("quality");
  quality.hidden = !view.quality;
  quality.dataset.level = view.quality ?? "";
  $("quality-words").textContent = view.quality ? text[`quality-${view.quality}`] : "";
  root.dataset.phase = state.phase;
  // The board beside the video asks the server whether it is still up to date.
  const dropped = view.overlay === "dropped";
  if (dropped !== state.dropped) {
    state.dropped = dropped;
    document.dispatchEvent(new CustomEvent("tandem:call", { detail: { dropped } }));
  }
  // A rehearsal has its own "Join again" in its guide.
  $("rejoin-box").hidden = rehearsing || !["left", "replaced"].includes(state.phase);
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
    state.streamAudioOnly = audioOnly;
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
  if (rehearsal) {
    state.phase = "joined";
    root.dataset.phase = "joined";
    return rehearsal.connect(); // the echo peer instead of the /room socket
  }
  const auth = role === "coach" ? { engagement: root.dataset.engagement } : { invite: root.dataset.invite };
  const socket = openSocket(ROOM_NAMESPACE, { auth, reconnectionDelayMax: 4000 });
  state.socket = socket;
  watchRevoked(socket, () => {
    state.left = true;
    closeCall();
    setStatus("idle");
    $("controls").hidden = true;
  });
  // Connected (and authenticated) on page load; the seat is only claimed once asked for.
  socket.on("connect", () => {
    if (state.wantJoin) join(state.takeover);
  });
  socket.on("connect_error", (error) => {
    if (error?.data?.error === ErrorCode.UNAUTHORIZED) {
      showError("error-unauthorized");
      socket.disconnect();
    } else if (error?.data?.error === ErrorCode.UNAVAILABLE) {
      showError("error-unavailable");
    }
  });
  socket.on("disconnect", () => {
    state.online = false;
    render();
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
  socket.on(Event.REPLACED, (message) => {
    state.left = true;
    closeCall();
    showError(replacedKey(message?.reason));
    endCall("replaced");
  });
  socket.on(Event.ADMISSION_REQUEST, showAdmissionRequest);
  socket.on(Event.ADMISSION, onAdmission);
  // The asking page took the seat, asked again or went away: its question goes.
  socket.on(Event.ADMISSION_WITHDRAWN, (withdrawn) => {
    if (withdrawn?.request) document.getElementById(`admission-${withdrawn.request}`)?.remove();
  });
}

// This page is asked whether another device may take the client's seat: the coach while
// in the room, or the seated client when the coach is away. One card per request.
function showAdmissionRequest(request) {
  if (!request?.request || document.getElementById(`admission-${request.request}`)) return;
  const words = askWords(text, role, request, document.documentElement.lang);
  const card = document.createElement("div");
  card.className = "card admission";
  card.id = `admission-${request.request}`;
  card.dataset.testid = "admission-request";
  card.setAttribute("role", "alertdialog");
  const question = document.createElement("p");
  question.textContent = words.question;
  question.id = `${card.id}-question`;
  card.setAttribute("aria-labelledby", question.id);
  const actions = document.createElement("div");
  actions.className = "actions";
  const answer = (admit) => {
    card.remove();
    state.socket?.emit(Event.ADMIT, { request: request.request, admit }, () => {});
  };
  for (const [label, admit, kind, testid] of [
    [words.admit, true, "", "admit"],
    [words.refuse, false, "secondary", "refuse"],
  ]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    if (kind) button.className = kind;
    button.dataset.testid = testid;
    button.addEventListener("click", () => answer(admit));
    actions.append(button);
  }
  card.append(question, actions);
  // Announced (aria-live), not focused: the coach may be typing on the board.
  $("admissions").append(card);
}

// The answer to this page's own request to take the seat.
function onAdmission(answer) {
  if (!state.waiting || answer?.request !== state.waiting.request) return;
  const asked = state.waiting.asked;
  state.waiting = null;
  showWaiting(null);
  if (answer.admitted) {
    join(true, answer.grant);
  } else {
    showError(refusedKey(asked));
    $("recover").hidden = false;
    $("takeover").hidden = true;
  }
}

function showWaiting(key) {
  const box = $("waiting");
  box.hidden = !key;
  box.textContent = key ? text[key] : "";
  box.dataset.code = key || "";
}

async function join(takeover, grant) {
  const token = localStorage.getItem(seatTokenKey);
  const request = { device: state.device, session: state.session, takeover, practice };
  if (token) request.token = token;
  if (grant) request.grant = grant;
  const ack = await state.socket
    .timeout(10000)
    .emitWithAck(Event.JOIN, request)
    .catch(() => ({ ok: false, error: "timeout" }));
  if (!ack.ok) {
    if (ack.error === ErrorCode.WAITING) {
      // Another device holds the seat: whoever decides was asked; the answer is `admission`.
      state.waiting = { request: ack.request, asked: ack.asked };
      showError(null);
      $("recover").hidden = true;
      showWaiting(waitingKey(ack.asked));
    } else if (ack.error === ErrorCode.ROOM_FULL) {
      showError(takeover ? "error-seat-held" : "error-room-full");
      $("recover").hidden = false;
      $("takeover").hidden = false;
      state.socket.disconnect();
    } else if (ack.error === ErrorCode.UNAVAILABLE) {
      // The shared store is down (a Redis outage): say so, and try again shortly.
      showError("error-unavailable");
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
  state.waiting = null;
  showWaiting(null);
  if (ack.token) localStorage.setItem(seatTokenKey, ack.token);
  state.iceServers = ack.iceServers;
  state.icePolicy = ack.iceTransportPolicy ?? "all";
  sessionStorage.setItem(joinedFlag, "1");
  showError(null);
  $("recover").hidden = true;
  $("prejoin").hidden = true;
  $("controls").hidden = false;
  state.phase = "joined";
  state.online = true;
  sendMediaState();
  onPresence(ack.presence);
}

function onPresence(presence) {
  if (!state.joined) return;
  console.info("presence", JSON.stringify(presence));
  const peer = presence[peerRole];
  const session = presence.sessions?.[peerRole] ?? null;
  if (peer === "here" || peer === "reconnecting") {
    state.peer = peer;
    state.peerWasHere = true;
    if (session !== state.peerSession) {
      state.peerSession = session;
      openCall();
    }
  } else {
    state.peer = "absent";
    state.peerSession = null;
    closeCall();
    for (const id of ["peer-muted", "peer-camera-off", "peer-sharing"]) $(id).hidden = true;
  }
  render();
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
    // A candidate pool: gathering starts as the connection is made, before the offer.
    makePeerConnection: (config) =>
      new RTCPeerConnection({ ...config, iceTransportPolicy: state.icePolicy, iceCandidatePoolSize: 1 }),
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
      state.connection = connection;
      render();
      if (connection === "connected" && !reported) {
        reported = true;
        const setup_ms = Math.min(600000, Math.round(performance.now() - openedAt));
        state.socket.emit(Event.CONNECTED, { setup_ms });
      }
    },
  });
  state.call = call;
  state.connection = "new";
  state.wasConnected = false;
  state.stalled = false;
  state.watch = new MediaWatch();
  call.open(state.iceServers, state.stream);
  if (state.screenTrack) call.replaceTrack("video", state.screenTrack, state.stream);
  const early = state.early.filter((message) => message.session === state.peerSession);
  state.early = [];
  early.forEach(deliver);
  state.statsTimer = setInterval(updateQuality, SAMPLE_MS);
}

function closeCall() {
  clearInterval(state.statsTimer);
  state.call?.close();
  state.call = null;
  state.lastReport = null;
  state.connection = "new";
  state.wasConnected = false;
  state.stalled = false;
  remoteVideo.srcObject = null;
}

// Every SAMPLE_MS: has media stopped? Every 2 s: the quality level and the coach's figures.
async function updateQuality() {
  const call = state.call;
  const report = await call?.pc?.getStats().catch(() => null);
  if (!report || call !== state.call) return;
  const now = performance.now();
  const stalled = state.watch.sample(now, receivedBytes(report));
  const changed = stalled !== state.stalled || (state.watch.flowed && !state.wasConnected);
  state.stalled = stalled;
  state.wasConnected ||= state.watch.flowed;
  if (!state.lastReport || now - state.lastReportAt >= 2000) {
    const summary = summarize(state.lastReport, report, (now - state.lastReportAt) / 1000);
    state.lastReport = report;
    state.lastReportAt = now;
    state.level = summary.level;
    $("quality").dataset.framesDecoded = String(summary.framesDecoded);
    $("quality-figures")?.replaceChildren(figures(summary));
    render();
    reportCall(report, summary.level);
  } else if (changed) {
    render();
  }
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
  state.wantJoin = false;
  sessionStorage.removeItem(joinedFlag);
  await state.socket?.timeout(3000).emitWithAck(Event.LEAVE, {}).catch(() => {});
  state.socket?.disconnect();
  closeCall();
  state.stream?.getTracks().forEach((t) => t.stop());
  endCall("left");
});

// Left or replaced: the controls go, the camera is off, and Rejoin brings the call back.
function endCall(phase) {
  state.phase = phase;
  state.joined = false;
  state.online = false;
  state.peer = "absent";
  state.peerSession = null;
  $("controls").hidden = true;
  $("devices").hidden = true;
  render();
  if (!rehearsing) $("rejoin").focus();
}

// Back into the same room without a reload: a fresh page session, so the other side
// starts a new peer connection, and the camera turned on again.
$("rejoin").addEventListener("click", async () => {
  $("rejoin").disabled = true;
  // A page whose seat was taken asks for it back: with this browser's seat token it is
  // its own again at once (docs/protocol.md "Whose seat it is").
  state.takeover = state.phase === "replaced";
  state.session = randomKey();
  state.early = [];
  state.left = false;
  state.peerWasHere = false;
  showError(null);
  if (await startPreview($("audio-only").checked)) {
    state.wantJoin = true;
    if (state.socket) state.socket.connect();
    else connect();
  }
  $("rejoin").disabled = false;
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

// Into the room. Everything that can happen before the click has happened (the
// socket connected and authenticated on page load, the camera on in the preview, whose
// stream is reused), so what is left is the seat claim.
async function enter() {
  const audioOnly = $("audio-only").checked;
  const live = state.stream?.active && state.stream.getTracks().every((t) => t.readyState === "live");
  if (!(live && state.streamAudioOnly === audioOnly) && !(await startPreview(audioOnly))) return;
  state.wantJoin = true;
  if (!state.socket) connect();
  else if (state.socket.connected) join(state.takeover);
  else if (!state.socket.active) state.socket.connect(); // connecting: it joins on connect
}

$("join").addEventListener("click", async () => {
  $("join").disabled = true;
  await enter();
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
  render();
  if (!rehearsing) connect(); // connected before the click: the join is all that is left
  const ok = await startPreview(false);
  if (ok && sessionStorage.getItem(joinedFlag)) enter();
})();
