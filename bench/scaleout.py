"""Scenario 8 (issue 17), scale-out: CPU per relayed message on two processes vs one.

Tandem: two `tandem serve` processes with REDIS_URL on one redis-server, behind the sample
nginx config as shipped (docs/deploy/nginx.conf, placeholders filled in), every member
connecting with its room's route key so nginx puts both members of a room on one process
(`tandem-2proc-nginx`); then the same processes with members 0 and 1 of every room sent to
different processes directly (`tandem-2proc-split`: what a room split by a failover costs,
every message through Redis). Beside them, python-socketio (tuned) with its Redis manager
on two processes, members split the same way (the reference's `--url A,B`), and both on one
process, all in the same run at the same load (`latency-ice-100`: 1,000 msgs/s over 100 rooms,
the full socket.io-client).

Everything on the server side (the processes, redis-server, nginx) is pinned to CPU 0. Server
CPU is the Tandem (or python-socketio) processes plus redis-server, as the generator reads
them from /proc; nginx's worker is read on its own and shown beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import loadgen, relay
from bench.board import _copy_fixture
from bench.machine import SERVER_CPU, Sampler
from bench.results import Recorder, table
from bench.servers import (
    PEERS,
    PEERS_PY,
    PY_TUNED,
    ROOT,
    VENV_BIN,
    Running,
    TandemFixture,
    Target,
    login_cookie,
    serving,
    stop,
    targets,
    wait_port,
)
from tests.redis_server import RedisServer, free_port
from web.affinity import route_key

NGINX_SAMPLE = ROOT / "docs" / "deploy" / "nginx.conf"
LATENCY = relay.Measure(
    "scaleout",
    "latency-ice-100",
    {"mode": "latency", "rate": "1000", "payload": "ice", "rooms": "100", "warmup": "1"},
)
TARGETS = (
    "tandem-1proc",
    "tandem-2proc-nginx",
    "tandem-2proc-split",
    "py-socketio-tuned-1proc",
    "py-socketio-redis-2proc",
)


def rooms_needed() -> int:
    """Engagements the scenario takes from the pool: one latency run per Tandem layout."""
    return 3 * loadgen.rooms_needed(LATENCY.args) + 8


def _measure(quick: bool) -> relay.Measure:
    return relay.Measure(
        LATENCY.scenario, LATENCY.name, {**LATENCY.args, "duration": "4" if quick else "8"}
    )


def run(fixture: TandemFixture, rec: Recorder, log_dir: Path, quick: bool) -> str:
    measure = _measure(quick)
    rows: list[dict[str, Any]] = []
    one = Target("tandem-1proc", "socketio", targets()["tandem"].argv)
    with serving(one, fixture, log_dir) as server:
        rows.append(relay._one(server, measure, rec, log_dir))
    with _tandem_cluster(fixture, log_dir) as (running, nginx_pid, nginx_url, direct):
        running.urls = [nginx_url]
        rows.append(_with_proxy(running, measure, rec, log_dir, nginx_pid))
        running.urls, running.target = direct, Target("tandem-2proc-split", "socketio", ())
        _write_creds(running, routed=False)
        rows.append(relay._one(running, measure, rec, log_dir))
    py = targets()["py-socketio-tuned"]
    with serving(Target("py-socketio-tuned-1proc", py.proto, py.argv), None, log_dir) as server:
        rows.append(relay._one(server, measure, rec, log_dir))
    with _py_cluster(log_dir) as running:
        rows.append(relay._one(running, measure, rec, log_dir))
    return _table(rows)


def _with_proxy(
    running: Running, measure: relay.Measure, rec: Recorder, log_dir: Path, nginx_pid: int
) -> dict[str, Any]:
    with Sampler(nginx_pid) as sampler:
        row = relay._one(running, measure, rec, log_dir)
    _, cpu, _ = sampler.window(sampler.samples[0].at, sampler.samples[-1].at)
    rate = row.get("rate") or 0
    row["proxy_cpu_us"] = round(cpu / 100 * 1e6 / rate, 1) if rate else None
    proxy = {"proxy_cpu_pct": round(cpu, 1), "proxy_cpu_us": row["proxy_cpu_us"]}
    rec.add(measure.scenario, "nginx", measure.name, summary=proxy)
    return row


def _write_creds(running: Running, *, routed: bool) -> None:
    assert running.creds is not None
    creds = json.loads(running.creds.read_text())
    creds["routed"] = routed
    running.creds.write_text(json.dumps(creds))


@contextlib.contextmanager
def _tandem_cluster(
    fixture: TandemFixture, log_dir: Path
) -> Iterator[tuple[Running, int, str, list[str]]]:
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(_redis(appendonly=True))  # as docs/deploy.md recommends
        asyncio.run(_copy_fixture(fixture, redis.url))
        env = {"REDIS_URL": redis.url}
        assert redis.process is not None
        redis_pid = redis.process.pid
        data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-2proc-"))
        stack.callback(shutil.rmtree, data_dir, True)
        extra = {**env, "TANDEM_DATA_DIR": str(data_dir)}
        tandem = str(VENV_BIN / "tandem")
        procs = []
        for _ in range(2):
            port = free_port()
            argv = ["taskset", "-c", str(SERVER_CPU), tandem, "serve", "--port", str(port)]
            procs.append(stack.enter_context(_process(argv, ROOT, extra, log_dir, "tandem-2proc")))
        ports = [p for _, p in procs]
        for port in ports:
            wait_port(port)
        nginx_pid, nginx_port = stack.enter_context(_nginx(ports, log_dir))
        cookie = asyncio.run(login_cookie(nginx_port))
        creds = log_dir / "tandem-2proc-creds.json"
        engagements = [[e, i, route_key(e)] for e, i in fixture.engagements]
        creds.write_text(json.dumps({"cookie": cookie, "engagements": engagements, "routed": True}))
        first = procs[0][0]
        running = Running(
            Target("tandem-2proc-nginx", "socketio", ()),
            first,
            nginx_port,
            [str(arg) for arg in first.args],  # type: ignore[union-attr]
            {
                "REDIS_URL": "<redis-server on CPU 0>",
                "processes": "2, behind docs/deploy/nginx.conf",
            },
            creds=creds,
            pids=[proc.pid for proc, _ in procs] + [redis_pid],
        )
        yield (
            running,
            nginx_pid,
            f"http://127.0.0.1:{nginx_port}",
            [f"http://127.0.0.1:{port}" for port in ports],
        )


@contextlib.contextmanager
def _py_cluster(log_dir: Path) -> Iterator[Running]:
    """python-socketio (tuned flags) with `--redis` on two processes, as its README runs it."""
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(_redis(appendonly=False))  # as its README starts it
        assert redis.process is not None
        procs = []
        for _ in range(2):
            port = free_port()
            argv = ["taskset", "-c", str(SERVER_CPU), str(PEERS_PY), "servers/py_socketio.py"]
            argv += ["--port", str(port), *PY_TUNED, "--redis", redis.url]
            procs.append(stack.enter_context(_process(argv, PEERS, {}, log_dir, "py-redis")))
        for _, port in procs:
            wait_port(port)
        first = procs[0][0]
        yield Running(
            Target("py-socketio-redis-2proc", "socketio", ()),
            first,
            procs[0][1],
            [str(arg) for arg in first.args],  # type: ignore[union-attr]
            {"processes": "2, members split (--url A,B)"},
            urls=[f"http://127.0.0.1:{port}" for _, port in procs],
            pids=[proc.pid for proc, _ in procs] + [redis.process.pid],
        )


@contextlib.contextmanager
def _process(
    argv: list[str], cwd: Path, env: dict[str, str], log_dir: Path, name: str
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    log_dir.mkdir(parents=True, exist_ok=True)
    port = int(argv[argv.index("--port") + 1])
    with (log_dir / f"{name}-{port}.log").open("ab") as log:
        proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=log)
    try:
        yield proc, port
    finally:
        stop(proc)


@contextlib.contextmanager
def _nginx(ports: list[int], log_dir: Path) -> Iterator[tuple[int, int]]:
    """The sample config as shipped, its placeholders filled in (as tests/test_nginx.py does);
    yields (the worker's pid, the port)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    rundir = Path(tempfile.mkdtemp(prefix="tandem-bench-nginx-"))
    port = free_port()
    text = NGINX_SAMPLE.read_text().replace("@RUNDIR@", str(rundir))
    text = text.replace("@LISTEN@", f"127.0.0.1:{port}")
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    (rundir / "nginx.conf").write_text(text.replace("@UPSTREAMS@", servers))
    globals_ = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    argv = ["taskset", "-c", str(SERVER_CPU), binary, "-c", str(rundir / "nginx.conf")]
    argv += ["-p", str(rundir), "-g", globals_]
    with (log_dir / "nginx.log").open("ab") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log)
    try:
        wait_port(port)
        yield _child(proc.pid), port
    finally:
        stop(proc)
        shutil.rmtree(rundir, ignore_errors=True)


def _child(pid: int) -> int:
    """nginx's one worker (worker_processes 1), a child of the master (taskset execs)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


@contextlib.contextmanager
def _redis(*, appendonly: bool) -> Iterator[RedisServer]:
    """The tests' redis-server (a free port, never 6379), moved to the server's core."""
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-redis-"))
    server = RedisServer(workdir, appendonly=appendonly)
    server.start()
    try:
        assert server.process is not None
        pin = ["taskset", "-p", "-c", str(SERVER_CPU), str(server.process.pid)]
        subprocess.run(pin, check=True, capture_output=True)
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


COLUMNS = [
    ("target", "target"),
    ("measure", "measure"),
    ("p50 ms", "p50"),
    ("p99 ms", "p99"),
    ("msgs/s", "rate"),
    ("server CPU %", "srv_cpu"),
    ("CPU µs/msg", "cpu_us"),
    ("nginx µs/msg", "proxy_cpu_us"),
    ("other CPU %", "other_cpu"),
    ("note", "note"),
]


def _table(rows: list[dict[str, Any]]) -> str:
    by = {r["target"]: r for r in rows}
    notes = []
    for two, one in (
        ("tandem-2proc-nginx", "tandem-1proc"),
        ("tandem-2proc-split", "tandem-1proc"),
        ("py-socketio-redis-2proc", "py-socketio-tuned-1proc"),
    ):
        a, b = by.get(two, {}).get("cpu_us"), by.get(one, {}).get("cpu_us")
        if isinstance(a, int | float) and isinstance(b, int | float) and b:
            notes.append(f"- {two} ÷ {one}, CPU per message: **{a / b:.2f}×**")
    return (
        table("Scale-out, two processes (scenario 8)", COLUMNS, rows)
        + "\nServer CPU: the processes plus redis-server, all on CPU 0; nginx's worker (also "
        "CPU 0) beside it.\n\n" + "\n".join(notes) + "\n"
    )
