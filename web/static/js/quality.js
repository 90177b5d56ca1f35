// Call quality from two consecutive getStats() reports: round-trip time, packet loss and
// bitrate, reduced to good / fair / poor for people who do not read numbers. Pure: reports
// are passed in as iterables of stats objects.

function byType(report, type) {
  const found = [];
  for (const stat of report.values ? report.values() : report) {
    if (stat.type === type) found.push(stat);
  }
  return found;
}

function sum(stats, field) {
  return stats.reduce((total, stat) => total + (stat[field] ?? 0), 0);
}

export function summarize(previous, current, seconds) {
  const pair = byType(current, "candidate-pair").find((p) => p.nominated && p.state === "succeeded")
    ?? byType(current, "candidate-pair").find((p) => p.state === "succeeded");
  const inbound = byType(current, "inbound-rtp");
  const before = previous ? byType(previous, "inbound-rtp") : [];
  const received = sum(inbound, "packetsReceived") - sum(before, "packetsReceived");
  const lost = sum(inbound, "packetsLost") - sum(before, "packetsLost");
  const bytes = sum(inbound, "bytesReceived") - sum(before, "bytesReceived");
  const video = inbound.find((s) => s.kind === "video");
  const rttMs = pair?.currentRoundTripTime != null ? Math.round(pair.currentRoundTripTime * 1000) : null;
  const lossPct = received + lost > 0 ? Math.max(0, (100 * lost) / (received + lost)) : 0;
  const kbps = seconds > 0 ? Math.round((8 * bytes) / 1000 / seconds) : 0;
  return {
    rttMs,
    lossPct: Math.round(lossPct * 10) / 10,
    kbps,
    framesDecoded: video?.framesDecoded ?? 0,
    level: level(rttMs, lossPct),
  };
}

export function level(rttMs, lossPct) {
  if ((rttMs != null && rttMs > 400) || lossPct > 8) return "poor";
  if ((rttMs != null && rttMs > 200) || lossPct > 2) return "fair";
  return "good";
}

// How media travels: "relay" when either end of the selected candidate pair is a TURN
// relay, "direct" for host and reflexive (STUN) pairs, "unknown" before a pair is chosen.
export function mediaPath(report) {
  const stats = [...(report.values ? report.values() : report)];
  const pairs = stats.filter((s) => s.type === "candidate-pair");
  const transport = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  const pair = (transport && pairs.find((p) => p.id === transport.selectedCandidatePairId))
    ?? pairs.find((p) => p.nominated && p.state === "succeeded")
    ?? pairs.find((p) => p.state === "succeeded");
  if (!pair) return "unknown";
  const ends = [pair.localCandidateId, pair.remoteCandidateId]
    .map((id) => stats.find((s) => s.id === id));
  if (ends.some((c) => !c || !c.candidateType)) return "unknown";
  return ends.some((c) => c.candidateType === "relay") ? "relay" : "direct";
}
