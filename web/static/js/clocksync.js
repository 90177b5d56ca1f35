// Estimating this device's clock offset from the server, and showing time without rewinds.
// Mirrors tests/clocksync.py (same rule, same numbers); tests/js/clocksync_cases.json is
// checked against both, so the two cannot drift apart.
//
// A sample is one round trip: sent at `clientSend` (device clock), stamped `serverTime` by
// the server, answered at `clientReceive`. Assuming the stamp was taken halfway, the offset
// is serverTime - (clientSend + clientReceive) / 2, wrong by at most half the round trip;
// so the sample with the shortest round trip is the best one, not the mean of all.

export function roundTrip(sample) {
  return sample.clientReceive - sample.clientSend;
}

export function sampleOffset(sample) {
  return sample.serverTime - (sample.clientSend + sample.clientReceive) / 2;
}

// Offset (server minus device, seconds) of the fastest usable sample, or null without one.
// A sample whose answer "arrived before it was sent" means the device clock moved: dropped.
export function estimateOffset(samples) {
  let best = null;
  for (const sample of samples) {
    if (roundTrip(sample) < 0) continue;
    if (best === null || roundTrip(sample) < roundTrip(best)) best = sample;
  }
  return best === null ? null : sampleOffset(best);
}

export function serverNow(clientNow, offset) {
  return clientNow + offset;
}

// While one timer state (one version) is on screen, the remaining time shown never goes
// up: a better offset that would put the clock back makes the display hold until real
// time catches up; one that skips ahead is taken at once. Pass lastShown = null after a
// version change (an extension may add time).
export function displayedRemaining(lastShown, estimate) {
  return lastShown === null ? estimate : Math.min(lastShown, estimate);
}

// Keeps the most recent samples: a device clock that drifts or is corrected is followed,
// and of the recent ones the fastest still wins.
export class ClockSync {
  constructor(window = 12) {
    this.window = window;
    this.samples = [];
    this.offset = null;
  }

  add(sample) {
    this.samples.push(sample);
    if (this.samples.length > this.window) this.samples.shift();
    const estimate = estimateOffset(this.samples);
    if (estimate !== null) this.offset = estimate;
    return this.offset;
  }
}
