// web/static/js/quality.js: getStats() reports reduced to the figures and level shown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { level, mediaPath, summarize } from "../../web/static/js/quality.js";

const report = (inbound, rtt = 0.05) => new Map([
  ["pair", { type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: rtt }],
  ...inbound.map((s, i) => [`in${i}`, { type: "inbound-rtp", ...s }]),
]);

test("bitrate, loss and rtt come from the difference of two reports", () => {
  const before = report([{ kind: "video", packetsReceived: 100, packetsLost: 0, bytesReceived: 0, framesDecoded: 10 }]);
  const after = report([{ kind: "video", packetsReceived: 190, packetsLost: 10, bytesReceived: 250_000, framesDecoded: 70 }], 0.12);
  const summary = summarize(before, after, 2);
  assert.equal(summary.rttMs, 120);
  assert.equal(summary.lossPct, 10);
  assert.equal(summary.kbps, 1000);
  assert.equal(summary.framesDecoded, 70);
  assert.equal(summary.level, "poor");
});

test("the first report has no bitrate yet and no division by zero", () => {
  const summary = summarize(null, report([]), 0);
  assert.deepEqual([summary.kbps, summary.lossPct, summary.framesDecoded], [0, 0, 0]);
  assert.equal(summary.level, "good");
});

test("levels: rtt and loss thresholds", () => {
  assert.equal(level(50, 0), "good");
  assert.equal(level(250, 0), "fair");
  assert.equal(level(50, 3), "fair");
  assert.equal(level(450, 0), "poor");
  assert.equal(level(null, 9), "poor");
});

test("media path: relay when either end is TURN, direct otherwise, unknown before", () => {
  const stats = (localType, remoteType) => new Map([
    ["t", { id: "t", type: "transport", selectedCandidatePairId: "p" }],
    ["p", { id: "p", type: "candidate-pair", state: "succeeded", localCandidateId: "l", remoteCandidateId: "r" }],
    ["l", { id: "l", type: "local-candidate", candidateType: localType }],
    ["r", { id: "r", type: "remote-candidate", candidateType: remoteType }],
  ]);
  assert.equal(mediaPath(stats("host", "srflx")), "direct");
  assert.equal(mediaPath(stats("relay", "host")), "relay");
  assert.equal(mediaPath(stats("srflx", "relay")), "relay");
  assert.equal(mediaPath(new Map([["x", { id: "x", type: "inbound-rtp" }]])), "unknown");
});
