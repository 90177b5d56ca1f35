"""Issue 17's goals, each as a ratio from one run, reported as met, missed or not measured.

The board's rows are the board scenario's own (bench/board.py measures them)."""

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


def _board(records: Sequence[dict[str, Any]], target: str) -> dict[str, Any]:
    """The board level the goal names (1,000 rooms at 500 ops/s), else the first measured
    (the quick run's 100 rooms)."""
    rows = [r for r in records if r["scenario"] == "board" and r["target"] == target]
    for record in rows:
        if record["measure"] == "ops-1000rooms-500/s":
            summary: dict[str, Any] = record.get("summary", {})
            return summary
    return rows[0].get("summary", {}) if rows else {}


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

    # Time to media: what a coach and a client feel first.
    mine, bare = (
        _summary(records, "tandem", "time-to-media"),
        _summary(records, "bare-relay", "time-to-media"),
    )
    goal(
        "time to media (second Join → first remote frame) ≤ 1.1× bare relay page",
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
    lat = "latency-ice-1000"
    if not _summary(records, "tandem", lat):
        lat = "latency-ice-100"
    for name, key, limit in (
        ("relay p99 at 1,000 msgs/s ≤ Node socket.io", "p99", 1.0),
        ("relay CPU per message at 1,000 msgs/s ≤ 1.2× Node socket.io", "cpu_us", 1.2),
    ):
        goal(
            name,
            _summary(records, "tandem", lat).get(key),
            _summary(records, "node-socketio", lat).get(key),
            limit,
            False,
            f"{lat}, {'p99 ms' if key == 'p99' else 'server CPU µs per message'}",
        )
    goal(
        "max ICE relay at p99 ≤ 50 ms ≥ 2× tuned python-socketio",
        _summary(records, "tandem", "max-ice").get("max_rate"),
        _summary(records, "py-socketio-tuned", "max-ice").get("max_rate"),
        2.0,
        True,
        "max-ice, msgs/s at p99 ≤ 50 ms",
    )
    if _summary(records, "tandem", "max-ice").get("note") == "max-steps reached":
        rows[-1]["basis"] = f"{rows[-1]['basis']} (Tandem's ramp ended still rising: a floor)"
    for measure in ("connrate-sio", "connrate-lite"):
        goal(
            f"connects + authenticated joins per second ≥ Node socket.io ({measure})",
            _summary(records, "tandem", measure).get("joins_per_s"),
            _summary(records, "node-socketio", measure).get("joins_per_s"),
            1.0,
            True,
            f"{measure}, connects+joins/s",
        )
    for n in ("1000", "5000"):
        goal(
            f"RSS per idle client ≤ Node socket.io ({n} clients)",
            _summary(records, "tandem", f"memory-{n}").get("kb_per_client"),
            _summary(records, "node-socketio", f"memory-{n}").get("kb_per_client"),
            1.0,
            False,
            "KB per client",
        )
    two = _summary(records, "tandem-2proc-nginx", "latency-ice-100")
    proxy = _summary(records, "nginx", "latency-ice-100")
    goal(
        "2 processes behind nginx: CPU per relayed message ≤ 1.1× one process",
        two.get("cpu_us"),
        _summary(records, "tandem-1proc", "latency-ice-100").get("cpu_us"),
        1.1,
        False,
        "scaleout latency-ice-100, server CPU µs per message (both processes + redis-server; "
        f"nginx's worker besides: {proxy.get('proxy_cpu_us', '-')} µs)",
    )
    py_two = _summary(records, "py-socketio-redis-2proc", "latency-ice-100").get("cpu_us")
    py_one = _summary(records, "py-socketio-tuned-1proc", "latency-ice-100").get("cpu_us")
    if _num(py_two) is not None and _num(py_one):
        rows[-1]["basis"] = (
            f"{rows[-1]['basis']}; python-socketio + Redis manager, members split: "
            f"{py_two} vs {py_one} µs ({float(py_two) / float(py_one):.2f}×)"  # type: ignore[arg-type]
        )
    echo = _summary(records, "tandem-echo", "video-passthrough")
    for janus in (1.7, 1.1):
        goal(
            f"echo: CPU % per 640×480 video session ≤ 2× Janus EchoTest ({janus} %)",
            echo.get("cpu_per_session"),
            janus,
            2.0,
            False,
            "video-passthrough, server CPU % per session vs Janus",
        )
    for backend, label in (("sqlite", "SQLite"), ("redis", "Redis")):
        board = _board(records, f"tandem-{backend}")
        here = f"{board.get('rooms', '-')} rooms here"
        goal(
            f"board op p99 ≤ 5 ms at 1,000 rooms × 0.5 op/s ({label}; {here})",
            board.get("p99"),
            5.0,
            1.0,
            False,
            f"{board.get('measure', 'board')}, op sent → applied on the other client, p99 ms vs 5",
        )
        goal(
            f"board server CPU per op ≤ 300 µs ({label})",
            board.get("cpu_us"),
            300.0,
            1.0,
            False,
            f"{board.get('measure', 'board')}, server CPU µs per applied op vs 300",
        )
    columns = [("goal", "goal"), ("ratio", "ratio"), ("verdict", "verdict"), ("basis", "basis")]
    return table("Goals (issue 17), ratios from this run", columns, rows)
