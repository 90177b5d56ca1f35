// What the shared timer reads at a moment, computed in the browser from the server's
// timestamps and this device's estimate of server time. Mirrors rooms/timer/readout.py
// and rooms/timer/state.py (elapsed, remaining, phase, warnings); no DOM here.

export const WARN_MINUTES = [10, 5];

export function statusOf(state) {
  if (state.started_at === null) return "idle";
  if (state.ended_at !== null) return "ended";
  return state.paused_at !== null ? "paused" : "running";
}

export function totalSeconds(state) {
  return state.planned_seconds + state.extended_seconds;
}

// Active seconds: frozen while paused or ended, never negative, never before the last change.
export function elapsed(state, now) {
  if (state.started_at === null) return 0;
  let stop;
  if (state.ended_at !== null) stop = state.ended_at;
  else if (state.paused_at !== null) stop = state.paused_at;
  else stop = state.changed_at === null ? now : Math.max(now, state.changed_at);
  return Math.max(0, stop - state.started_at - state.paused_total);
}

export function remaining(state, now) {
  return totalSeconds(state) - elapsed(state, now);
}

// The phase running after `activeSeconds`; past the end, the last phase in overtime.
export function phaseAt(phases, activeSeconds) {
  let boundary = 0;
  for (let index = 0; index < phases.length; index += 1) {
    boundary += phases[index].seconds;
    if (activeSeconds < boundary) return { index, name: phases[index].name, secondsLeft: boundary - activeSeconds };
  }
  const last = phases.length - 1;
  return { index: last, name: phases[last].name, secondsLeft: boundary - activeSeconds };
}

export function moments(state) {
  const found = [];
  let boundary = 0;
  state.phases.slice(0, -1).forEach((phase, index) => {
    boundary += phase.seconds;
    found.push({ kind: "phase-ended", at: boundary, phaseIndex: index, phaseName: phase.name, next: state.phases[index + 1].name });
  });
  const total = totalSeconds(state);
  for (const minutes of WARN_MINUTES) {
    if (total > minutes * 60) found.push({ kind: "minutes-left", at: total - minutes * 60, minutesLeft: minutes });
  }
  found.push({ kind: "overtime", at: total });
  return found.sort((a, b) => a.at - b.at);
}

// Warnings whose moment lies in (before, after] of active time, oldest first.
export function dueWarnings(state, before, after) {
  if (statusOf(state) === "idle" || before === null) return [];
  return moments(state).filter((m) => before < m.at && m.at <= after);
}

// "54:59", "90:00", or "+02:13" in overtime: minutes are not rolled into hours, as
// sessions are planned in minutes. Counting down shows whole seconds rounded up, so the
// display reads 00:00 only when the time is really up.
export function formatClock(seconds) {
  const over = seconds < 0;
  const whole = over ? Math.floor(-seconds) : Math.ceil(seconds - 1e-9);
  const pad = (n) => String(n).padStart(2, "0");
  const body = `${pad(Math.floor(whole / 60))}:${pad(whole % 60)}`;
  return over ? `+${body}` : body;
}
