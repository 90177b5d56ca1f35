// The room rehearsal (docs/rehearsal.md): the real room page, with the server's echo peer
// as the other side, so the client sees and hears themselves as the "remote", and a guide
// that ticks each step as they do it in the real controls. room.js calls setupRehearsal()
// once and hands over connect(); everything else here watches the room's own controls
// (aria-pressed, clicks), so the room's buttons work exactly as in a session.
// The steps' logic is in rehearsal_steps.js; the echo call in echo_call.js.

import { openSocket } from "./sockets.js";
import { EchoCall } from "./echo_call.js";
import { ErrorCode, TECHCHECK_NAMESPACE, TechCheckEvent } from "./protocol.js";
import { watchRevoked } from "./revoked.js";
import * as steps from "./rehearsal_steps.js";

const RECONNECT_MS = 2000; // a lost echo session (its time limit, a network blip) is replaced
const $ = (id) => document.getElementById(id);

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// `room`: { root, state, text, remoteVideo, setStatus, setOverlay, showError, startPreview }.
export function setupRehearsal(room) {
  const panel = $("rehearsal");
  if (room.root.dataset.rehearsal !== "1" || !panel) return null;
  const strings = Object.fromEntries(
    [...panel.querySelectorAll("#rehearsal-strings [data-key]")].map((el) => [el.dataset.key, el.textContent]),
  );
  // The room's own status keys ("left"…) get rehearsal wording; new keys are added.
  Object.assign(room.text, strings);
  const canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === "function";
  const rehearsalId = randomId();
  let progress = steps.start(steps.offeredSteps({ canShareScreen }));
  let socket = null;
  let reconnectTimer = null;
  let saving = Promise.resolve();
  let logged = false;

  function request(event, payload) {
    return socket.timeout(15000).emitWithAck(event, payload).catch(() => ({ ok: false, error: "timeout" }));
  }

  function render() {
    const next = steps.current(progress);
    for (const item of panel.querySelectorAll("[data-step]")) {
      const id = item.dataset.step;
      const offered = progress.offered.includes(id);
      item.hidden = !offered;
      if (!offered) continue;
      const done = steps.isDone(progress, id);
      item.dataset.done = String(done);
      if (id === next) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
      item.querySelector("[data-hint]").textContent = strings[steps.instructionKey(progress, id)] ?? "";
      item.querySelector("[data-tick]").textContent = done ? strings.done : "";
    }
    const complete = steps.complete(progress);
    $("rehearsal-complete").hidden = !complete;
    panel.dataset.complete = String(complete);
  }

  // Logged from the first moment they saw themselves, then at every tick (rehearsal:save).
  function save() {
    logged = true;
    const payload = steps.report(progress, rehearsalId);
    saving = saving
      .then(() => request(TechCheckEvent.REHEARSAL_SAVE, payload))
      .then((ack) => {
        if (ack.ok) panel.dataset.saved = ack.rehearsal.done.join(",") || "started";
      });
  }

  function on(event) {
    const next = steps.advance(progress, event);
    if (next === progress) return;
    progress = next;
    render();
    if (socket) save();
  }

  function watchPressed(id, pressed, released) {
    const button = $(id);
    new MutationObserver(() => on(button.getAttribute("aria-pressed") === "true" ? pressed : released))
      .observe(button, { attributes: true, attributeFilter: ["aria-pressed"] });
  }

  function openEchoSocket() {
    socket = openSocket(TECHCHECK_NAMESPACE, {
      auth: { invite: room.root.dataset.invite },
      reconnectionDelayMax: 5000,
    });
    // This person opened the rehearsal (or the tech check) in another window or device,
    // which took the one echo session a person may hold: stop here, and do not take it back
    // by ourselves (two windows would keep taking it from each other).
    socket.on(TechCheckEvent.ECHO_TAKEN_OVER, () => {
      clearTimeout(reconnectTimer);
      const call = room.state.call;
      room.state.call = null;
      call?.close();
      room.remoteVideo.srcObject = null;
      $("controls").hidden = true;
      room.setStatus("idle");
      room.setOverlay("rehearsal-taken-over");
      $("rehearsal-rejoin").hidden = false;
      panel.dataset.takenOver = "true";
    });
    watchRevoked(socket);
    socket.on("connect_error", (error) => {
      if (error?.data?.error === ErrorCode.UNAUTHORIZED) {
        room.showError("error-unauthorized");
        socket.disconnect();
      }
    });
  }

  function onTrack({ track }) {
    // The echo sends audio and video on separate streams: gather them on one element.
    const video = room.remoteVideo;
    const stream = video.srcObject instanceof MediaStream ? video.srcObject : new MediaStream();
    if (!stream.getTracks().includes(track)) stream.addTrack(track);
    video.srcObject = stream;
    video.play().catch(() => {});
  }

  function onState(call, connection) {
    if (call !== room.state.call) return;
    $("status").dataset.connection = connection;
    if (connection === "connected") {
      clearTimeout(reconnectTimer);
      room.setStatus("rehearsal-connected");
      room.setOverlay(null);
      // For tests and support: how many echo calls this page has had up and running.
      panel.dataset.connections = String(Number(panel.dataset.connections ?? 0) + 1);
      on("joined");
      if (!logged) save();
    } else if (["failed", "closed", "disconnected"].includes(connection) && !room.state.left) {
      room.setStatus("reconnecting");
      room.setOverlay("rehearsal-reconnecting");
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(() => {
        if (call !== room.state.call || room.state.left || call.pc?.connectionState === "connected") return;
        call.close();
        room.state.call = null;
        connect();
      }, RECONNECT_MS);
    }
  }

  function refused(ack) {
    room.state.call = null;
    room.state.joined = false;
    $("controls").hidden = true;
    $("prejoin").hidden = false;
    room.setOverlay(null);
    room.setStatus("idle");
    if (ack.error === ErrorCode.BUSY) {
      // Everyone's rehearsals and tech checks share a few echo peers: say so plainly.
      $("rehearsal-busy").hidden = false;
      panel.dataset.busy = "true";
    } else {
      room.showError("error-generic");
    }
  }

  async function connect() {
    clearTimeout(reconnectTimer);
    delete panel.dataset.takenOver;
    $("rehearsal-busy").hidden = true;
    delete panel.dataset.busy;
    if (!socket) openEchoSocket();
    room.setStatus("connecting");
    room.remoteVideo.srcObject = null; // a replaced session's ended tracks must not linger
    $("prejoin").hidden = true;
    const ice = await request(TechCheckEvent.ECHO_ICE);
    if (!ice.ok) return refused(ice);
    const call = new EchoCall({
      // The same policy as a real call (TANDEM_ICE_TRANSPORT_POLICY=relay forces TURN).
      makePeerConnection: (config) =>
        new RTCPeerConnection({ ...config, iceTransportPolicy: ice.iceTransportPolicy ?? "all" }),
      request,
      onTrack,
      onState: (connection) => onState(call, connection),
    });
    room.state.call = call;
    room.state.joined = true;
    room.setOverlay("rehearsal-connecting");
    $("controls").hidden = false;
    const ack = await call.open(ice.iceServers, room.state.stream);
    if (call !== room.state.call) return; // Leave came first
    if (!ack.ok) refused(ack);
  }

  watchPressed("mute", "muted", "unmuted");
  watchPressed("camera", "camera-off", "camera-on");
  watchPressed("screen", "share-started", "share-stopped");
  const board = $("board");
  for (const type of ["focusin", "click", "toggle"]) {
    board?.addEventListener(type, () => on("board-opened"), true);
  }
  $("leave").addEventListener("click", () => {
    clearTimeout(reconnectTimer);
    on("left");
    $("rehearsal-rejoin").hidden = false;
  });
  $("rehearsal-rejoin").addEventListener("click", async () => {
    $("rehearsal-rejoin").hidden = true;
    room.state.left = false;
    if (await room.startPreview(false)) connect();
  });
  render();
  return { connect };
}
