// The room rehearsal's guided steps as a small state machine: no DOM, no WebRTC, so
// node --test drives it (tests/js/rehearsal_steps.test.js). The page turns what the person
// does in the real room into events ("muted", "camera-on", "left", "joined"…); each step
// needs its events in order, and is ticked once it has seen them all. Step names mirror
// rooms/rehearsal.py RehearsalStep.

export const STEPS = Object.freeze([
  Object.freeze({ id: "mute", needs: Object.freeze(["muted", "unmuted"]) }),
  Object.freeze({ id: "camera", needs: Object.freeze(["camera-off", "camera-on"]) }),
  Object.freeze({ id: "board", needs: Object.freeze(["board-opened"]) }),
  // Offered only where the browser has getDisplayMedia (not on most phones).
  Object.freeze({ id: "screen", needs: Object.freeze(["share-started", "share-stopped"]), screen: true }),
  Object.freeze({ id: "leave", needs: Object.freeze(["left", "joined"]) }),
]);

export const EVENTS = Object.freeze(STEPS.flatMap((step) => step.needs));

// The steps this device can do, in the order they are guided.
export function offeredSteps({ canShareScreen }) {
  return STEPS.filter((step) => canShareScreen || !step.screen).map((step) => step.id);
}

// progress[id] counts how many of that step's events have been seen, in order.
export function start(offered) {
  const known = new Set(STEPS.map((step) => step.id));
  const steps = offered.filter((id) => known.has(id));
  return Object.freeze({ offered: Object.freeze(steps), progress: Object.freeze(Object.fromEntries(steps.map((id) => [id, 0]))) });
}

function stepOf(id) {
  return STEPS.find((step) => step.id === id);
}

export function isDone(state, id) {
  const step = stepOf(id);
  return Boolean(step) && state.offered.includes(id) && state.progress[id] >= step.needs.length;
}

// Every unfinished step waiting for exactly this event moves on; nothing is ever unticked.
// Events out of order (pressing Unmute before Mute) are simply not progress.
export function advance(state, event) {
  let changed = false;
  const progress = { ...state.progress };
  for (const id of state.offered) {
    const step = stepOf(id);
    if (progress[id] < step.needs.length && step.needs[progress[id]] === event) {
      progress[id] += 1;
      changed = true;
    }
  }
  return changed ? Object.freeze({ offered: state.offered, progress: Object.freeze(progress) }) : state;
}

export function done(state) {
  return state.offered.filter((id) => isDone(state, id));
}

// The step to guide next: the first one not done, or null when all are.
export function current(state) {
  return state.offered.find((id) => !isDone(state, id)) ?? null;
}

export function complete(state) {
  return current(state) === null;
}

// Which instruction to show for a step: "<step>-<how far>", e.g. "mute-0" (press Mute),
// "mute-1" (now press Unmute), "mute-done".
export function instructionKey(state, id) {
  return isDone(state, id) ? `${id}-done` : `${id}-${state.progress[id] ?? 0}`;
}

// The payload of rehearsal:save (docs/rehearsal.md).
export function report(state, rehearsalId) {
  return { id: rehearsalId, offered: [...state.offered], done: done(state) };
}
