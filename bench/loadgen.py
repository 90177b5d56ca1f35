"""Runs the reference load generator (../shared/peers/loadgen.mjs, unmodified) pinned to CPU 1.

Against Tandem it runs with `--import bench/js/register.mjs`, which swaps loadgen.mjs's own
socket.io-client / ws imports for adapters that speak Tandem's /room protocol; see
bench/js/tandem.mjs. Against the reference relays it runs exactly as their README shows.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.machine import GENERATOR_CPU, Sampler
from bench.servers import BENCH, PEERS, Running

REGISTER = BENCH / "js" / "register.mjs"


@dataclass
class Run:
    result: dict[str, object]
    command: str
    started: float  # time.monotonic() when the generator was launched
    finished: float
    peak_rss_mb: float
    sampler: Sampler


def rooms_needed(args: dict[str, str]) -> int:
    """Engagements one generator run uses (check: one room; connrate: every round)."""
    mode = args["mode"]
    if mode == "check":
        return 1
    if mode in ("latency", "max"):
        return int(args.get("rooms", "100"))
    clients = int(args.get("clients", "1000"))
    repeat = int(args.get("repeat", "3")) if mode == "connrate" else 1
    return (clients + 1) // 2 * repeat


def run(server: Running, args: dict[str, str], log_dir: Path, time_limit: int = 240) -> Run:
    argv = ["taskset", "-c", str(GENERATOR_CPU), "node"]
    env = dict(os.environ)
    if server.target.tandem:
        assert server.creds is not None
        argv += ["--import", str(REGISTER)]
        env["TANDEM_BENCH_PEERS"] = str(PEERS)
        env["TANDEM_BENCH_CREDS"] = str(server.creds)
        env["TANDEM_BENCH_OFFSET"] = str(server.take_rooms(rooms_needed(args)))
    argv += ["loadgen.mjs", "--proto", server.target.proto]
    urls = ",".join(server.urls) or f"http://127.0.0.1:{server.port}"
    pids = ",".join(str(pid) for pid in server.pids) or str(server.pid)
    argv += ["--url", urls, "--pids", pids]
    argv += ["--label", server.target.name, "--time-limit", str(time_limit)]
    for key, value in args.items():
        argv += [f"--{key}", value]
    command = shlex.join(argv)
    with (log_dir / "loadgen.log").open("a") as log, Sampler(server.pid) as sampler:
        log.write(f"\n$ {command}\n")
        log.flush()
        started = time.monotonic()
        out = subprocess.run(
            argv,
            cwd=PEERS,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            timeout=time_limit + 30,
            check=False,
        )
        finished = time.monotonic()
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        result: dict[str, object] = {"error": f"loadgen exited {out.returncode}; see loadgen.log"}
    else:
        result = json.loads(lines[-1])
    return Run(result, command, started, finished, sampler.peak_rss_mb(), sampler)
