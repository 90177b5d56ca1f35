// The shared session timer panel (web/templates/timer_panel.html): connects to /timer,
// keeps this device's clock offset to the server, and redraws four times a second from the
// server's timestamps. Clock maths lives in clocksync.js and timerclock.js; this module
// only wires the DOM, and only ever with textContent.

import { openSocket } from "./sockets.js";
import { ClockSync, displayedRemaining, serverNow } from "./clocksync.js";
import { TIMER_NAMESPACE, TimerEvent } from "./protocol.js";
import { watchRevoked } from "./revoked.js";
import { dueWarnings, elapsed, formatClock, phaseAt, remaining, statusOf } from "./timerclock.js";

const root = document.getElementById("timer");
const $ = (id) => document.getElementById(id);
const text = Object.fromEntries(
  [...document.querySelectorAll("#timer-strings [data-key]")].map((el) => [el.dataset.key, el.textContent]),
);
const role = root.dataset.role;
const SYNC_BURST = 5;
const RESYNC_MS = 30_000;
const WARNING_MS = 20_000;
const CHIME_KEY = "tandem.timer.chime";

const view = {
  socket: null,
  sync: new ClockSync(),
  state: null,
  shownVersion: null,
  shownRemaining: null,
  lastElapsed: null,
  warningUntil: 0,
  audio: null,
};

// This page's clock, monotonic while the page lives: a device clock corrected mid-session
// then shows up as a new offset, never as time running backwards.
function deviceNow() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

function fill(template, params) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
}

function phaseName(name) {
  return text[`phase:${name}`] ?? name;
}

function estimatedServerNow() {
  return view.sync.offset === null ? deviceNow() : serverNow(deviceNow(), view.sync.offset);
}

async function ping() {
  const t0 = deviceNow();
  const ack = await view.socket.timeout(5000).emitWithAck(TimerEvent.PING, { t0 }).catch(() => null);
  if (ack?.ok) view.sync.add({ clientSend: ack.t0, serverTime: ack.server_time, clientReceive: deviceNow() });
}

async function syncBurst(count) {
  for (let i = 0; i < count && view.socket?.connected; i += 1) await ping();
}

function connect() {
  const auth = role === "coach" ? { engagement: root.dataset.engagement } : { invite: root.dataset.invite };
  const socket = openSocket(TIMER_NAMESPACE, { auth, reconnectionDelayMax: 4000 });
  watchRevoked(socket);
  view.socket = socket;
  socket.on("connect", join);
  socket.on("disconnect", () => setStatus("status-offline"));
  socket.on("connect_error", () => setStatus("status-offline"));
  socket.on(TimerEvent.STATE, (message) => receive(message.state));
  socket.on(TimerEvent.AGENDA_UPDATED, () => {
    if (view.state && statusOf(view.state) === "idle") join(); // an idle timer shows the new plan
  });
  setInterval(() => syncBurst(1), RESYNC_MS);
  setInterval(render, 250);
}

async function join() {
  const t0 = deviceNow();
  const ack = await view.socket.timeout(10000).emitWithAck(TimerEvent.JOIN, {}).catch(() => null);
  if (!ack?.ok) {
    showError(ack?.error);
    return;
  }
  view.sync.add({ clientSend: t0, serverTime: ack.server_time, clientReceive: deviceNow() });
  receive(ack.state);
  await syncBurst(SYNC_BURST);
}

function receive(state) {
  if (view.state && state.version < view.state.version) return; // an older broadcast, overtaken
  view.state = state;
  render();
}

function setStatus(key) {
  $("timer-status").textContent = text[key] ?? key;
}

function showError(code) {
  const box = $("timer-error");
  box.hidden = !code;
  box.textContent = code ? text[`error-${code}`] ?? text["error-generic"] : "";
  box.dataset.code = code || "";
}

function render() {
  const state = view.state;
  if (!state) return;
  const status = statusOf(state);
  const now = estimatedServerNow();
  const active = elapsed(state, now);
  if (state.version !== view.shownVersion) view.shownRemaining = null;
  const left = displayedRemaining(view.shownRemaining, remaining(state, now));
  view.shownRemaining = left;

  warn(dueWarnings(state, view.lastElapsed, active));
  view.lastElapsed = active;
  view.shownVersion = state.version;

  root.dataset.status = status;
  setStatus(`status-${status}`);
  const clock = $("timer-remaining");
  clock.textContent = formatClock(left);
  clock.dataset.overtime = String(left < 0);
  $("timer-overtime-label").hidden = !(left < 0);
  const phase = phaseAt(state.phases, active);
  $("timer-phase").textContent = phaseName(phase.name);
  $("timer-phase").dataset.index = String(phase.index);
  $("timer-phase-left").textContent = formatClock(phase.secondsLeft);
  renderAgenda(state.phases, status === "idle" ? -1 : phase.index);
  renderEnded(state, status);
  renderControls(status);
  if (Date.now() > view.warningUntil) $("timer-warning").hidden = true;
}

function renderAgenda(phases, current) {
  const list = $("timer-agenda");
  const signature = JSON.stringify([phases, current]);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...phases.map((phase, index) => {
      const item = document.createElement("li");
      item.textContent = `${phaseName(phase.name)} · ${fill(text.minutes, { minutes: Math.round(phase.seconds / 60) })}`;
      if (index === current) item.setAttribute("aria-current", "step");
      return item;
    }),
  );
}

function renderEnded(state, status) {
  const box = $("timer-ended");
  box.hidden = status !== "ended";
  if (status === "ended" && state.summary) {
    const minutes = Math.round(state.summary.wall_seconds / 60);
    $("timer-ended-summary").textContent = fill(text["ended-summary"], { minutes });
  }
}

function renderControls(status) {
  const allowed = {
    idle: ["start"],
    running: ["pause", "extend", "end"],
    paused: ["resume", "extend", "end"],
    ended: ["start"],
  }[status];
  for (const button of root.querySelectorAll("button[data-command]")) {
    const command = button.dataset.command;
    button.disabled = !allowed.includes(command);
    button.hidden = (command === "pause" && status === "paused") || (command === "resume" && status !== "paused");
    if (command === "start") button.textContent = status === "ended" ? text["start-next"] : text.start;
  }
}

function warn(warnings) {
  if (warnings.length === 0) return;
  const latest = warnings[warnings.length - 1];
  let message;
  if (latest.kind === "phase-ended") {
    message = fill(text["phase-ended"], { phase: phaseName(latest.phaseName), next: phaseName(latest.next) });
  } else if (latest.kind === "minutes-left") {
    message = text[`minutes-left-${latest.minutesLeft}`];
  } else {
    message = text.overtime;
  }
  const box = $("timer-warning");
  box.textContent = message;
  box.dataset.kind = latest.kind;
  box.hidden = false;
  view.warningUntil = Date.now() + WARNING_MS;
  if ($("timer-chime").checked) chime();
}

// A soft two-note chime, only when the person switched it on (it starts off).
function chime() {
  try {
    view.audio ??= new AudioContext();
    const ctx = view.audio;
    for (const [delay, frequency] of [[0, 660], [0.25, 880]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + delay);
      gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + delay + 0.05);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + delay + 0.8);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + delay);
      osc.stop(ctx.currentTime + delay + 0.85);
    }
  } catch {
    // no audio on this device: the visual warning is enough
  }
}

async function send(button) {
  const body = { command: button.dataset.command, version: view.state?.version ?? 0 };
  if (button.dataset.minutes) body.minutes = Number(button.dataset.minutes);
  button.disabled = true;
  const ack = await view.socket.timeout(10000).emitWithAck(TimerEvent.COMMAND, body).catch(() => null);
  if (ack?.ok) {
    showError(null);
    receive(ack.state);
  } else {
    showError(ack?.error ?? "generic");
    render();
  }
}

for (const button of root.querySelectorAll("button[data-command]")) {
  button.addEventListener("click", () => send(button));
}

const chimeBox = $("timer-chime");
chimeBox.checked = localStorage.getItem(CHIME_KEY) === "on";
chimeBox.addEventListener("change", () => {
  localStorage.setItem(CHIME_KEY, chimeBox.checked ? "on" : "off");
  if (chimeBox.checked) chime(); // a user gesture unlocks audio, and the person hears what it sounds like
});

connect();
