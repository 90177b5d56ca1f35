"""Scenarios 1 (signalling relay), 2 (join storm) and 4 (idle capacity): the reference load
generator against Tandem and the reference relays, one target at a time, server on CPU 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.results import Recorder, table
from bench.servers import Running, TandemFixture, Target, serving

GOAL_TARGETS = ("tandem", "node-socketio", "py-socketio-tuned")


@dataclass(frozen=True)
class Measure:
    scenario: str
    name: str
    args: dict[str, str]
    # In a full run the slowest measures are taken only for the targets the goals compare
    # (time on a shared 2-core machine is the limit); empty means every target.
    only: tuple[str, ...] = ()


Session = list[Measure]  # the measures taken against one server start


def relay_sessions(quick: bool) -> list[Session]:
    secs, steps = ("4", "12") if quick else ("6", "14")
    latency = {"mode": "latency", "rate": "1000", "duration": secs, "warmup": "1"}
    ramp = {"mode": "max", "client": "lite", "start-rate": "1000", "step-secs": "2"}
    session = [
        Measure("relay", "check", {"mode": "check"}),
        Measure("relay", "latency-ice-100", {**latency, "payload": "ice", "rooms": "100"}),
        Measure("relay", "latency-sdp-100", {**latency, "payload": "sdp", "rooms": "100"}),
    ]
    if not quick:
        session.append(
            Measure(
                "relay",
                "latency-ice-1000",
                {**latency, "payload": "ice", "rooms": "1000"},
                only=GOAL_TARGETS[:2],
            )
        )
    session.append(
        Measure("relay", "max-ice", {**ramp, "payload": "ice", "rooms": "100", "max-steps": steps})
    )
    if not quick:
        session.append(
            Measure(
                "relay",
                "max-sdp",
                {**ramp, "payload": "sdp", "rooms": "100", "max-steps": steps},
                only=GOAL_TARGETS,
            )
        )
    return [session]


def join_sessions(quick: bool) -> list[Session]:
    base = {"mode": "connrate", "clients": "400" if quick else "1000", "concurrency": "50"}
    base["repeat"] = "1"
    return [
        [
            Measure("joins", "connrate-sio", base),
            Measure("joins", "connrate-lite", {**base, "client": "lite"}),
        ]
    ]


def idle_sessions(quick: bool) -> list[Session]:
    sizes = ["1000", "5000"]  # both levels of the issue-17 goal, also in --quick
    idle = "6" if quick else "22"  # covers one ping of every client (Tandem pings every 20 s)
    return [
        [
            Measure(
                "idle",
                f"memory-{n}",
                {"mode": "memory", "clients": n, "idle": idle},
                only=GOAL_TARGETS if n == "5000" else (),
            )
        ]
        for n in sizes
    ]


def pool_for(sessions: Sequence[Session]) -> int:
    return max(sum(loadgen.rooms_needed(m.args) for m in s) for s in sessions) + 8


def measure_all(
    targets: Sequence[Target],
    sessions: Sequence[Session],
    fixture: TandemFixture | None,
    rec: Recorder,
    log_dir: Path,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for session in sessions:
        for target in targets:
            if all(m.only and target.name not in m.only for m in session):
                continue
            try:
                with serving(target, fixture, log_dir) as server:
                    for measure in session:
                        if measure.only and target.name not in measure.only:
                            continue
                        if target.proto == "peerjs" and measure.args.get("client") == "lite":
                            continue  # lite is Socket.IO's wire protocol; bench.sh skips it too
                        rows.append(_one(server, measure, rec, log_dir))
            except RuntimeError as error:
                rows.append({"target": target.name, "measure": "start", "note": str(error)})
    return rows


def _one(server: Running, measure: Measure, rec: Recorder, log_dir: Path) -> dict[str, Any]:
    print(f"  {server.target.name}: {measure.name}", flush=True)
    run = loadgen.run(server, measure.args, log_dir)
    res = run.result
    row: dict[str, Any] = {"target": server.target.name, "measure": measure.name}
    row["rss_mb"] = run.peak_rss_mb
    if "error" in res:
        row["note"] = res["error"]
    elif measure.args["mode"] == "check":
        row["note"] = "ok" if res.get("ok") else f"CHECK FAILED {res}"
    elif measure.args["mode"] == "latency":
        row.update(_latency(res))
    elif measure.args["mode"] == "max":
        best = res.get("max_ok")
        if isinstance(best, dict):
            row.update(_latency(best))
            row["max_rate"] = best.get("recv_rate")
        row["note"] = str(res.get("stop_reason"))
    elif measure.args["mode"] == "connrate":
        rounds: list[dict[str, Any]] = list(res.get("rounds", []))  # type: ignore[call-overload]
        row["joins_per_s"] = res.get("median_per_sec")
        row["p50"] = _median([r["setup_p50_ms"] for r in rounds])
        row["p99"] = _median([r["setup_p99_ms"] for r in rounds])
        row["srv_cpu"] = _median([r["server_cpu_pct"] for r in rounds])
        row["other_cpu"] = _median([r["other_cpu_pct"] for r in rounds])
        row["note"] = f"failures {sum(r['failures'] for r in rounds)}"
    elif measure.args["mode"] == "memory":
        idle = float(measure.args["idle"])
        # loadgen: joined -> idle -> read RSS -> close -> 0.5 s -> print; skip the edges
        end = run.finished - 0.8
        secs, server_cpu, other = _window(run, end - idle + 1.5, end)
        clients = int(measure.args["clients"])
        row["kb_per_client"] = res.get("kb_per_client")
        row["rss_mb"] = res.get("server_rss_mb")
        row["srv_cpu"] = round(server_cpu, 2)
        row["other_cpu"] = round(other, 1)
        row["hb_us_per_client_s"] = round(server_cpu / 100 * 1e6 / clients, 2)
        row["note"] = f"failures {res.get('failures')}, idle window {secs:.1f} s"
    rec.add(
        measure.scenario,
        server.target.name,
        measure.name,
        command=run.command,
        server_command=" ".join(server.argv),
        server_env=server.env_note,
        summary=row,
        result=res,
    )
    return row


def _window(run: loadgen.Run, start: float, end: float) -> tuple[float, float, float]:
    return run.sampler.window(start, end)


def _latency(res: dict[str, Any]) -> dict[str, Any]:
    rate = res.get("recv_rate") or 0
    cpu = res.get("server_cpu_pct")
    return {
        "p50": res.get("p50_ms"),
        "p95": res.get("p95_ms"),
        "p99": res.get("p99_ms"),
        "max": res.get("max_ms"),
        "rate": rate,
        "lost": res.get("lost"),
        "srv_cpu": cpu,
        "cpu_us": round(cpu / 100 * 1e6 / rate, 1) if cpu is not None and rate else None,
        "gen_cpu": res.get("gen_cpu_pct"),
        "other_cpu": res.get("other_cpu_pct"),
    }


def _median(values: Sequence[float]) -> float | None:
    ordered = sorted(v for v in values if v is not None)
    return ordered[len(ordered) // 2] if ordered else None


LATENCY_COLUMNS = [
    ("target", "target"),
    ("measure", "measure"),
    ("p50 ms", "p50"),
    ("p95 ms", "p95"),
    ("p99 ms", "p99"),
    ("msgs/s", "rate"),
    ("server CPU %", "srv_cpu"),
    ("CPU µs/msg", "cpu_us"),
    ("peak RSS MB", "rss_mb"),
    ("gen CPU %", "gen_cpu"),
    ("other CPU %", "other_cpu"),
    ("note", "note"),
]
JOIN_COLUMNS = [
    ("target", "target"),
    ("measure", "measure"),
    ("connects+joins/s", "joins_per_s"),
    ("setup p50 ms", "p50"),
    ("setup p99 ms", "p99"),
    ("server CPU %", "srv_cpu"),
    ("other CPU %", "other_cpu"),
    ("note", "note"),
]
IDLE_COLUMNS = [
    ("target", "target"),
    ("measure", "measure"),
    ("KB RSS/client", "kb_per_client"),
    ("server RSS MB", "rss_mb"),
    ("idle server CPU %", "srv_cpu"),
    ("heartbeat µs/client/s", "hb_us_per_client_s"),
    ("other CPU %", "other_cpu"),
    ("note", "note"),
]


def tables(rows: Sequence[dict[str, Any]]) -> str:
    def pick(prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
        return [r for r in rows if r["measure"].startswith(prefixes)]

    parts = []
    if lat := pick(("check", "latency", "max", "start")):
        parts.append(table("Signalling relay (scenario 1)", LATENCY_COLUMNS, lat))
    if joins := pick(("connrate",)):
        parts.append(table("Join storm (scenario 2)", JOIN_COLUMNS, joins))
    if idle := pick(("memory",)):
        parts.append(table("Idle capacity (scenario 4)", IDLE_COLUMNS, idle))
    parts.append(ratios(rows))
    return "\n".join(parts)


def ratios(rows: Sequence[dict[str, Any]]) -> str:
    """Tandem divided by each reference, measure by measure, from this run only."""
    tandem = {r["measure"]: r for r in rows if r["target"] == "tandem"}
    out = []
    for row in rows:
        mine = tandem.get(row["measure"])
        if row["target"] == "tandem" or mine is None:
            continue
        out.append(
            {
                "measure": row["measure"],
                "reference": row["target"],
                "p99": _ratio(mine.get("p99"), row.get("p99")),
                "rate": _ratio(mine.get("max_rate"), row.get("max_rate")),
                "cpu": _ratio(mine.get("cpu_us"), row.get("cpu_us")),
                "joins": _ratio(mine.get("joins_per_s"), row.get("joins_per_s")),
                "kb": _ratio(mine.get("kb_per_client"), row.get("kb_per_client")),
            }
        )
    columns = [
        ("measure", "measure"),
        ("vs reference", "reference"),
        ("p99 ×", "p99"),
        ("max msgs/s ×", "rate"),
        ("CPU µs/msg ×", "cpu"),
        ("joins/s ×", "joins"),
        ("KB/client ×", "kb"),
    ]
    return table(
        "Tandem ÷ reference, same run (lower is better except msgs/s and joins/s)", columns, out
    )


def _ratio(a: object, b: object) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float) and b:
        return round(a / b, 2)
    return None
