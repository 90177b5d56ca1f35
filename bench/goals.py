"""The issue's goals, each as a ratio from one run, reported as met, missed or not measured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.results import table


def _summary(records: Sequence[dict[str, Any]], target: str, measure: str) -> dict[str, Any]:
    for record in records:
        if record["target"] == target and record["measure"] == measure:
            summary: dict[str, Any] = record.get("summary", {})
            return summary
    return {}


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def report(records: Sequence[dict[str, Any]]) -> str:
    rows: list[dict[str, object]] = []

    def goal(name: str, mine: object, ref: object, limit: float, higher: bool, basis: str) -> None:
        a, b = _num(mine), _num(ref)
        if a is None or b is None or not b:
            rows.append({"goal": name, "ratio": None, "verdict": "not measured", "basis": basis})
            return
        ratio = a / b
        met = ratio >= limit if higher else ratio <= limit
        rows.append(
            {
                "goal": name,
                "ratio": round(ratio, 2),
                "verdict": "met" if met else "MISSED",
                "basis": f"{basis}: {a:g} vs {b:g}",
            }
        )

    lat = "latency-ice-1000"
    if not _summary(records, "tandem", lat):
        lat = "latency-ice-100"
    goal(
        "relay p99 ≤ Node socket.io (×1.0)",
        _summary(records, "tandem", lat).get("p99"),
        _summary(records, "node-socketio", lat).get("p99"),
        1.0,
        False,
        f"{lat}, p99 ms",
    )
    py_best = max(
        (
            _num(_summary(records, t, "max-ice").get("max_rate")) or 0.0
            for t in ("py-socketio", "py-socketio-tuned")
        ),
        default=0.0,
    )
    goal(
        "max relay msgs/s per core ≥ 0.8× best python-socketio",
        _summary(records, "tandem", "max-ice").get("max_rate"),
        py_best or None,
        0.8,
        True,
        "max-ice, msgs/s at p99 ≤ 50 ms",
    )
    if _summary(records, "tandem", "max-ice").get("note") == "max-steps reached":
        rows[-1]["basis"] = f"{rows[-1]['basis']} (Tandem's ramp ended still rising: a floor)"
    for n in ("1000", "5000"):
        goal(
            f"RSS per idle client ≤ Node socket.io ({n} clients)",
            _summary(records, "tandem", f"memory-{n}").get("kb_per_client"),
            _summary(records, "node-socketio", f"memory-{n}").get("kb_per_client"),
            1.0,
            False,
            "KB per client",
        )
    goal(
        "echo: ≥ 5× video sessions per core vs decode/re-encode",
        _summary(records, "tandem-echo", "video-passthrough").get("sessions_per_core"),
        _summary(records, "tandem-echo", "video-transcode").get("sessions_per_core"),
        5.0,
        True,
        "sessions per core from CPU per session",
    )
    board: dict[str, Any] = next(
        (
            r.get("summary", {})
            for r in records
            if r["scenario"] == "board" and r["target"] == "tandem-sqlite"
        ),
        {},
    )
    goal(
        f"board op p99 ≤ 5 ms at 1,000 rooms (SQLite; {board.get('rooms', '-')} rooms here)",
        board.get("p99"),
        5.0,
        1.0,
        False,
        f"{board.get('measure', 'board')}, op sent → applied on the other client, p99 ms vs 5",
    )
    mine, bare = (
        _summary(records, "tandem", "time-to-media"),
        _summary(records, "bare-relay", "time-to-media"),
    )
    goal(
        "join → first remote frame ≤ 1.1× bare relay page",
        mine.get("median_ms"),
        bare.get("median_ms"),
        1.1,
        False,
        f"median ms of the calls that connected (failed: Tandem {mine.get('failed', '-')}, "
        f"bare {bare.get('failed', '-')})",
    )
    if mine.get("failed"):
        rows[-1]["verdict"] = (
            f"MISSED: {mine['failed']} of {mine['failed'] + mine['trials']} calls "
            "never showed a frame"
        )
    columns = [("goal", "goal"), ("ratio", "ratio"), ("verdict", "verdict"), ("basis", "basis")]
    return table("Goals (issue 8), ratios from this run", columns, rows)
