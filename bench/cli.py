"""`python -m bench <scenario> [--quick]`: runs scenarios, prints tables, appends JSON lines.

Scenarios (issue 8): relay (1), joins (2), board (3), idle (4), media (5), pages (7), echo (6);
soak (issue 12: memory and descriptors over 2,000 connect/join/leave cycles); scaleout (8,
issue 17: two processes behind nginx vs one); all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from bench import machine, relay
from bench.results import RESULTS, Recorder
from bench.servers import CACHE, TandemFixture, ensure_peers, targets

SCENARIOS = ("relay", "joins", "idle", "scaleout", "media", "pages", "echo", "board", "soak")
QUICK_TARGETS = ("tandem", "node-socketio", "py-socketio-tuned")
NETNS_FLAG = "TANDEM_BENCH_NETNS"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenario", nargs="+", choices=(*SCENARIOS, "all"))
    parser.add_argument("--quick", action="store_true", help="short phases, fewer targets")
    parser.add_argument("--targets", help="comma-separated relay targets (default: all; quick: 3)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON-lines file to append to")
    parser.add_argument(
        "--docs",
        action="store_true",
        help="also replace the measured block in docs/performance.md with this run's tables",
    )
    parser.add_argument(
        "--no-netns",
        action="store_true",
        help="do not re-run inside a loopback-only network namespace (unshare -n)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chosen = SCENARIOS if "all" in args.scenario else tuple(args.scenario)
    # The reference peers (and the registries to install them) only for the scenarios that
    # run them, and before entering the namespace.
    uses_peers = bool(
        set(chosen) & {"relay", "joins", "idle", "scaleout", "media", "pages", "echo"}
    )
    loadgen_sha = ensure_peers() if uses_peers else None
    if not args.no_netns and os.environ.get(NETNS_FLAG) != "1" and os.geteuid() == 0:
        _reexec_in_netns()
    os.sched_setaffinity(0, {machine.GENERATOR_CPU})  # keep CPU 0 for the server under test
    names = args.targets.split(",") if args.targets else None
    all_targets = targets()
    picked = [all_targets[n] for n in (names or (QUICK_TARGETS if args.quick else all_targets))]
    rec = Recorder(
        args.out,
        machine.facts(),
        args.quick,
        {"loadgen_sha256": loadgen_sha, "netns": os.environ.get(NETNS_FLAG) == "1"},
    )
    log_dir = CACHE / "logs" / rec.run_id
    print(f"bench run {rec.run_id}: {', '.join(chosen)}; logs in {log_dir}", flush=True)
    output = [_header(rec)]
    rows: list[dict[str, Any]] = []
    sessions: list[relay.Session] = []
    if "relay" in chosen:
        sessions += relay.relay_sessions(args.quick)
    if "joins" in chosen:
        sessions += relay.join_sessions(args.quick)
    if "idle" in chosen:
        sessions += relay.idle_sessions(args.quick)
    pool = max(relay.pool_for(sessions) if sessions else 0, 16)
    if "board" in chosen:
        from bench import board

        pool = max(pool, board.rooms_needed(args.quick) + 8)
    if "scaleout" in chosen:
        from bench import scaleout

        pool = max(pool, scaleout.rooms_needed())
    fixture = TandemFixture.create(pool)
    try:
        if sessions:
            rows = relay.measure_all(picked, sessions, fixture, rec, log_dir)
            output.append(relay.tables(rows))
        for name in ("scaleout", "board", "media", "pages", "echo", "soak"):
            if name in chosen:
                output.append(_scenario(name, fixture, rec, log_dir, args.quick))
    finally:
        fixture.cleanup()
    from bench import goals

    output.append(goals.report(rec.records))
    text = "\n".join(output)
    print(text)
    (CACHE / "last-table.md").write_text(text)
    if args.docs:
        _write_docs(text)
    return 0


def _write_docs(text: str) -> None:
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    doc = DOCS.read_text()
    head, rest = doc.split(start, 1)
    tail = rest.split(end, 1)[1]
    DOCS.write_text(f"{head}{start}\n{text}\n{end}{tail}")


def _scenario(name: str, fixture: TandemFixture, rec: Recorder, log_dir: Path, quick: bool) -> str:
    """One browser/media scenario; a failure is reported in the output and the run goes on."""
    try:
        if name == "media":
            from bench import media

            return media.run(fixture, rec, log_dir, quick)
        if name == "pages":
            from bench import pages

            return pages.run(fixture, rec, log_dir, quick)
        if name == "echo":
            from bench import echo

            return echo.run(rec, quick)
        if name == "soak":
            from bench import soak

            return soak.run(fixture, rec, log_dir, quick)
        if name == "scaleout":
            from bench import scaleout

            return scaleout.run(fixture, rec, log_dir, quick)
        from bench import board

        return board.run(fixture, rec, log_dir, quick)
    except Exception as error:
        print(f"bench: scenario {name} failed: {error!r}", file=sys.stderr)
        rec.add(name, "-", "failed", error=repr(error))
        return f"#### {name}\n\nFAILED: {error!r}\n"


def _header(rec: Recorder) -> str:
    m = rec.machine
    return (
        f"### Run {rec.run_id}{' (quick)' if rec.quick else ''}\n\n"
        f"`{rec.bench_command}` on {m['cpu_count']} × {m['cpu_model']}, {m['mem_gb']} GB, "
        f"kernel {m['kernel']}, Python {m['python']}, Node {m['node']}; server pinned to "
        f"CPU {machine.SERVER_CPU}, generator and browsers to CPU {machine.GENERATOR_CPU}; "
        f"load average at start {m['loadavg_1m']:.2f}.\n"
    )


def _reexec_in_netns() -> None:
    """WebRTC on loopback must run in a namespace that has only loopback (see
    ../shared/WEBRTC-ON-LOOPBACK.md); the relay runs go there too, so nothing in a run can
    address anything but 127.0.0.1."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        print("bench: unshare/ip missing; running without a network namespace", file=sys.stderr)
        return
    os.environ[NETNS_FLAG] = "1"
    script = 'ip link set lo up && exec "$0" "$@"'
    os.execv(
        unshare, [unshare, "-n", "sh", "-c", script, sys.executable, "-m", "bench", *sys.argv[1:]]
    )
