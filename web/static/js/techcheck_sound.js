// The tech check's sound steps: the microphone meter and the test tone. Decisions live in
// techcheck_core.js (micVerdict, soundVerdict); this module wires the Web Audio API and the
// <audio> element, and reports through the page's setStep.

import { HEARD_PEAK, RESUME_GRACE_MS, level, micVerdict, peak, soundVerdict, toneWav } from "./techcheck_core.js";

const TONE_SECONDS = 1.5;
const TONE_DEADLINE_MS = 6000; // the tone lasts 1.5 s; a working output ends it well within this

const AudioCtx = window.AudioContext || window.webkitAudioContext;
let audio = null; // { context, timer, heard, since, runningSince }

/**
 * Starts the level meter on `stream`. Browsers may create the AudioContext suspended (Firefox
 * without a sound output, autoplay rules), so it is resumed here, inside the person's click,
 * and its state is watched: "suspended" is reported as the browser not letting us listen.
 */
export function listenToMic(stream, { setStep, family, meter, resumeButton }) {
  if (!AudioCtx) return;
  stopMic();
  const context = new AudioCtx();
  const analyser = context.createAnalyser();
  analyser.fftSize = 32768; // ~0.7 s at 48 kHz: polled every 100 ms, no sound falls between
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  const current = { context, heard: false, since: performance.now(), runningSince: null, shown: null };
  setStep("microphone", "pending", "checking");
  resume(context);
  const tick = () => {
    const now = performance.now();
    if (context.state === "running") current.runningSince ??= now;
    analyser.getByteTimeDomainData(samples);
    meter.value = Math.min(1, level(samples.subarray(samples.length - 2048)) * 4); // "now"; speech sits low
    const loudest = context.state === "running" ? peak(samples) : 0;
    meter.dataset.peak = String(Math.max(Number(meter.dataset.peak || 0), loudest));
    current.heard ||= loudest >= HEARD_PEAK;
    const verdict = micVerdict({
      contextState: context.state,
      heard: current.heard,
      sinceStartMs: now - current.since,
      sinceRunningMs: current.runningSince === null ? 0 : now - current.runningSince,
      family,
    });
    resumeButton.hidden = context.state === "running";
    if (verdict && verdict.advice !== current.shown) {
      current.shown = verdict.advice;
      setStep("microphone", verdict.outcome, verdict.advice);
    }
  };
  current.timer = setInterval(tick, 100);
  audio = current;
}

/** On the person's click ("Let us listen"): another chance for a suspended context. */
export function resumeMic() {
  if (!audio) return;
  audio.since = performance.now();
  audio.shown = null;
  resume(audio.context);
}

export function stopMic() {
  if (!audio) return;
  clearInterval(audio.timer);
  audio.context.close().catch(() => {});
  audio = null;
}

function resume(context) {
  if (context.state !== "running") context.resume().catch(() => {});
}

/** Resolves once `context` runs, or false after the grace period (no output, blocked). */
function running(context) {
  if (!context || context.state === "running") return Promise.resolve(true);
  resume(context);
  return new Promise((resolve) => {
    const done = (ok) => {
      clearTimeout(timer);
      context.removeEventListener("statechange", check);
      resolve(ok);
    };
    const check = () => context.state === "running" && done(true);
    const timer = setTimeout(() => done(false), RESUME_GRACE_MS);
    context.addEventListener("statechange", check);
  });
}

/** Plays the tone to its end, or until the element fails; what happened, for soundVerdict. */
function playTone(sound) {
  return new Promise((resolve) => {
    const events = ["ended", "error"];
    const finish = () => {
      clearTimeout(timer);
      events.forEach((name) => sound.removeEventListener(name, finish));
      resolve({ ended: sound.ended && !sound.error, mediaError: sound.error });
    };
    const timer = setTimeout(finish, TONE_DEADLINE_MS);
    events.forEach((name) => sound.addEventListener(name, finish));
    sound.currentTime = 0;
    sound.play().catch((playError) => {
      clearTimeout(timer);
      events.forEach((name) => sound.removeEventListener(name, finish));
      resolve({ playError });
    });
  });
}

/**
 * The speaker step: plays the tone through the chosen output and asks "did you hear it?"
 * only when it could actually play; a failed output says what to try instead.
 */
export async function playSound({ sound, sinkId, setStep, ask }) {
  ask(false);
  setStep("speakers", "pending", "speakers-playing");
  if (!sound.src) sound.src = URL.createObjectURL(new Blob([toneWav(TONE_SECONDS)], { type: "audio/wav" }));
  let sinkError = null;
  if (sinkId && typeof sound.setSinkId === "function") {
    sinkError = await sound.setSinkId(sinkId).then(() => null, (error) => error ?? new Error("sink"));
  }
  const contextRuns = running(audio?.context);
  const tone = sinkError ? {} : await playTone(sound);
  // A tone that "ended" while the page's audio could not start was not heard by anyone.
  const ended = tone.ended && (await contextRuns);
  const verdict = soundVerdict({ sinkError, ended, ...tone });
  if (verdict) {
    setStep("speakers", verdict.outcome, verdict.advice);
    return;
  }
  setStep("speakers", "pending", null);
  ask(true);
}
