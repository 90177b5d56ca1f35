"""What the tech check tells a client about their connection, as seen by our server.

Inbound counters describe the client's upload (what the coach would receive); the
remote-inbound ones are the client's own reports about our echo (their download).
aiortc reports jitter in RTP clock units, so it is converted to milliseconds with the
negotiated clock rate. Plain dicts of numbers, ready for JSON."""

from __future__ import annotations

from collections.abc import Mapping

from aiortc import RTCStatsReport
from aiortc.stats import (
    RTCInboundRtpStreamStats,
    RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
    RTCTransportStats,
)

StatsDict = dict[str, object]


def _add(into: dict[str, float], **values: float) -> None:
    for name, value in values.items():
        into[name] = into.get(name, 0) + value


def summarize(report: RTCStatsReport, clock_rates: Mapping[str, int]) -> StatsDict:
    inbound: dict[str, dict[str, float]] = {}
    outbound: dict[str, dict[str, float]] = {}
    remote: dict[str, dict[str, float]] = {}
    transport: dict[str, float] = {}
    for stats in report.values():
        if isinstance(stats, RTCInboundRtpStreamStats):
            into = inbound.setdefault(stats.kind, {})
            _add(into, packets=stats.packetsReceived, packets_lost=stats.packetsLost)
            rate = clock_rates.get(stats.kind)
            if rate:
                jitter_ms = 1000 * stats.jitter / rate
                into["jitter_ms"] = max(into.get("jitter_ms", 0.0), round(jitter_ms, 2))
        elif isinstance(stats, RTCRemoteInboundRtpStreamStats):
            into = remote.setdefault(stats.kind, {})
            _add(into, packets_lost=stats.packetsLost)
            # RTCP carries the fraction lost as an 8-bit fixed-point number.
            fraction = round(stats.fractionLost / 256, 3)
            into["fraction_lost"] = max(into.get("fraction_lost", 0.0), fraction)
            rtt: float | None = stats.roundTripTime  # None until the first RTCP round trip
            if rtt is not None:
                into["round_trip_ms"] = round(1000 * rtt, 1)
        elif isinstance(stats, RTCOutboundRtpStreamStats):
            _add(
                outbound.setdefault(stats.kind, {}),
                packets=stats.packetsSent,
                bytes=stats.bytesSent,
            )
        elif isinstance(stats, RTCTransportStats):
            _add(
                transport,
                packets_received=stats.packetsReceived,
                bytes_received=stats.bytesReceived,
                packets_sent=stats.packetsSent,
                bytes_sent=stats.bytesSent,
            )
    return {
        "inbound": inbound,
        "outbound": outbound,
        "remote_inbound": remote,
        "transport": transport,
    }
