"""Scenario 3, the goal board: R active rooms, each with the coach's and the client's socket on
/board; the coach sends operations at a fixed offered rate (spread evenly over the rooms), and
latency is from sending an `op` to the client's socket receiving its `applied` broadcast.

The server acks and broadcasts only after the store committed the record (signaling/board.py
applies under a per-engagement lock, then emits; SQLite commits with group commit, the ops
arriving during one commit sharing the next transaction and fsync), so every measured op was
durable before it became visible. The generator speaks Socket.IO's wire protocol directly over
aiohttp websockets (as loadgen.mjs's "lite" client does): python-socketio's own client would
cost more CPU on the generator's core than the server spends, and the latency would be the
generator's.

Both backends are measured: SQLite (group commit) and Redis (one script per op; a
redis-server started on a free port with append-only persistence, holding a copy of the
fixture); see docs/performance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.machine import SERVER_CPU, Sampler
from bench.results import Recorder, table
from bench.servers import COACH, TandemFixture, serving, targets
from tests.redis_server import RedisServer

NS = "/board"
CONNECT_CONCURRENCY = 50
DRAIN_SECS = 2.0


@dataclass(frozen=True)
class Level:
    rooms: int
    rate: float  # offered ops/s over all rooms
    secs: float
    warmup: float

    @property
    def name(self) -> str:
        return f"ops-{self.rooms}rooms-{self.rate:g}/s"


def levels(quick: bool) -> list[Level]:
    if quick:
        return [Level(100, 200, 5, 1)]
    # 0.5 and 1 op/s per room: far above what people typing produce (the namespace allows 20/s
    # sustained per socket), so the p99 is the server's, not an idle system's.
    return [Level(1000, 500, 10, 2), Level(1000, 1000, 10, 2)]


def rooms_needed(quick: bool) -> int:
    return max(level.rooms for level in levels(quick))


@dataclass
class Sock:
    """One Socket.IO connection on /board over a raw websocket (Engine.IO v4 framing)."""

    ws: aiohttp.ClientWebSocketResponse
    on_event: Any = None
    acks: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    next_id: int = 0
    reader: asyncio.Task[None] | None = None

    async def emit(self, event: str, data: object, ack: bool = True) -> asyncio.Future[Any] | None:
        future: asyncio.Future[Any] | None = None
        if ack:
            self.next_id += 1
            future = asyncio.get_running_loop().create_future()
            self.acks[self.next_id] = future
            head = f"42{NS},{self.next_id}"
        else:
            head = f"42{NS},"
        await self.ws.send_str(head + json.dumps([event, data], separators=(",", ":")))
        return future

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            text: str = msg.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith("42" + NS + ","):
                event, data = json.loads(text[len(NS) + 3 :])
                if self.on_event is not None:
                    self.on_event(event, data)
            elif text.startswith("43" + NS + ","):
                body = text[len(NS) + 3 :]
                cut = body.index("[")
                future = self.acks.pop(int(body[:cut]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(body[cut:])[0])


async def _connect(
    http: aiohttp.ClientSession, port: int, auth: dict[str, str], cookie: str | None
) -> Sock:
    url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
    headers = {"Cookie": cookie} if cookie else {}
    ws = await http.ws_connect(url, headers=headers, autoping=False, max_msg_size=0)
    opened = await ws.receive_str()
    if not opened.startswith("0"):
        raise RuntimeError(f"unexpected Engine.IO open: {opened[:80]}")
    await ws.send_str(f"40{NS}," + json.dumps(auth))
    answer = await ws.receive_str()
    if not answer.startswith(f"40{NS},"):
        raise RuntimeError(f"/board refused: {answer[:200]}")
    sock = Sock(ws)
    sock.reader = asyncio.create_task(sock.read())
    joined = await sock.emit("join", {})
    assert joined is not None
    ack = await asyncio.wait_for(joined, 30)
    if not ack.get("ok"):
        raise RuntimeError(f"join refused: {ack}")
    return sock


@dataclass
class Tally:
    sent: dict[str, float] = field(default_factory=dict)  # op_id -> send time
    visible_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    measuring: bool = False
    measured_sent: int = 0
    sending_done: bool = False
    drained: asyncio.Event = field(default_factory=asyncio.Event)

    def settle(self, op_id: str) -> float | None:
        started = self.sent.pop(op_id, None)
        if self.sending_done and not self.sent:
            self.drained.set()
        return started


async def _level(port: int, creds: dict[str, Any], level: Level) -> dict[str, Any]:
    tally = Tally()
    pairs = creds["engagements"][: level.rooms]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        def seen(event: str, data: Any) -> None:
            if event != "applied":
                return
            started = tally.settle(str(data.get("op_id")))
            if started is not None:
                tally.visible_ms.append((time.monotonic() - started) * 1000)

        async def pair(engagement: str, invite: str) -> tuple[Sock, Sock]:
            async with gate:
                coach = await _connect(http, port, {"engagement": engagement}, creds["cookie"])
                client = await _connect(http, port, {"invite": invite}, None)
            client.on_event = seen
            return coach, client

        t0 = time.monotonic()
        socks = await asyncio.gather(*(pair(e, i) for e, i in pairs))
        connect_secs = time.monotonic() - t0

        async def acked(future: asyncio.Future[Any], op_id: str, started: float) -> None:
            try:
                ack = await asyncio.wait_for(future, 10)
            except TimeoutError:
                ack = {"ok": False, "error": "ack timeout"}
            if ack.get("ok"):
                if tally.measuring:
                    tally.ack_ms.append((time.monotonic() - started) * 1000)
            else:
                tally.errors += 1
                tally.settle(op_id)
                tally.first_error = tally.first_error or json.dumps(ack)[:200]

        pending: set[asyncio.Task[None]] = set()
        interval = 1.0 / level.rate
        total = level.warmup + level.secs
        begin = time.monotonic()
        n = 0
        marks: dict[str, float] = {}
        while True:
            now = time.monotonic()
            if now - begin >= total:
                break
            if not tally.measuring and now - begin >= level.warmup:
                tally.measuring = True
                tally.visible_ms.clear()
                marks["start"] = now
            due = int((now - begin) / interval) + 1
            while n < due:
                coach, _client = socks[n % len(socks)]
                op_id = f"b{n:09d}"
                op = {
                    "type": "set",
                    "section": "agreement",
                    "field": "coach_expectations",
                    "value": f"Weekly sessions, written homework; revision {n}",
                }
                started = time.monotonic()
                if tally.measuring:
                    tally.sent[op_id] = started
                    tally.measured_sent += 1
                payload = {"op_id": op_id, "op": op}
                future = await coach.emit("op", payload)
                assert future is not None
                task = asyncio.create_task(acked(future, op_id, started))
                pending.add(task)
                task.add_done_callback(pending.discard)
                n += 1
            await asyncio.sleep(0.002)
        marks["end"] = time.monotonic()
        measured_secs = marks["end"] - marks["start"]
        tally.sending_done = True
        if tally.sent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.drained.wait(), DRAIN_SECS)
        if pending:
            await asyncio.wait(pending, timeout=DRAIN_SECS)
        lost = len(tally.sent)
        for coach, client in socks:
            for sock in (coach, client):
                await sock.ws.close()
                if sock.reader is not None:
                    sock.reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sock.reader
    return {
        "start": marks["start"],
        "end": marks["end"],
        "connect_secs": round(connect_secs, 1),
        "sent": tally.measured_sent,
        "rate": round(len(tally.visible_ms) / measured_secs, 1),
        "visible_ms": tally.visible_ms,
        "ack_ms": tally.ack_ms,
        "lost": lost,
        "errors": tally.errors,
        "first_error": tally.first_error,
    }


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)


@contextlib.contextmanager
def redis_backend(fixture: TandemFixture) -> Iterator[dict[str, str]]:
    """The tests' redis-server (free port, never 6379; append-only, fsync every second as
    docs/deploy.md recommends), moved to the server's core, holding a copy of the fixture."""
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-redis-"))
    server = RedisServer(workdir)
    server.start()
    try:
        assert server.process is not None
        pin = ["taskset", "-p", "-c", str(SERVER_CPU), str(server.process.pid)]
        subprocess.run(pin, check=True, capture_output=True)
        asyncio.run(_copy_fixture(fixture, server.url))
        yield {"REDIS_URL": server.url}
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def _copy_fixture(fixture: TandemFixture, url: str) -> None:
    """The coach and the engagement pool, same ids and invites, from the SQLite template."""
    from rooms.store import open_store, store_url

    redis = await open_store(url)
    sqlite = await open_store(store_url(None, fixture.template))
    try:
        coach = await sqlite.coach_by_email(COACH)
        assert coach is not None
        copied = await redis.create_coach(
            email=coach.email,
            display_name=coach.display_name,
            password_hash=coach.password_hash,
            now=coach.created_at,
        )
        for engagement in await sqlite.engagements_of(coach.id):
            await redis.create_engagement(dataclasses.replace(engagement, coach_id=copied.id))
    finally:
        await sqlite.close()
        await redis.close()


def run(fixture: TandemFixture, rec: Recorder, log_dir: Path, quick: bool) -> str:
    rows: list[dict[str, Any]] = []
    backends = ["sqlite", "redis"]
    for backend in backends:
        for level in levels(quick):
            print(f"  board {backend}: {level.name}", flush=True)
            with contextlib.ExitStack() as stack:
                env = stack.enter_context(redis_backend(fixture)) if backend == "redis" else {}
                tandem = stack.enter_context(
                    serving(targets()["tandem"], fixture, log_dir, extra_env=env)
                )
                creds = json.loads(Path(str(tandem.creds)).read_text())
                with Sampler(tandem.pid) as sampler:
                    got = asyncio.run(_level(tandem.port, creds, level))
                _, cpu, other = sampler.window(got["start"], got["end"])
            rate = got["rate"]
            row: dict[str, Any] = {
                "backend": backend,
                "measure": level.name,
                "rooms": level.rooms,
                "offered": level.rate,
                "p50": _pct(got["visible_ms"], 50),
                "p95": _pct(got["visible_ms"], 95),
                "p99": _pct(got["visible_ms"], 99),
                "max": round(max(got["visible_ms"]), 1) if got["visible_ms"] else None,
                "ack_p99": _pct(got["ack_ms"], 99),
                "rate": rate,
                "srv_cpu": round(cpu, 1),
                "cpu_us": round(cpu / 100 * 1e6 / rate, 1) if rate else None,
                "rss_mb": sampler.peak_rss_mb(),
                "other_cpu": round(other, 1),
                "note": (
                    f"sent {got['sent']}, lost {got['lost']}, errors {got['errors']}"
                    f"{' ' + got['first_error'] if got['first_error'] else ''}; "
                    f"{level.rooms * 2} sockets joined in {got['connect_secs']} s"
                ),
            }
            rows.append(row)
            samples = {
                "visible_median_ms": statistics.median(got["visible_ms"])
                if got["visible_ms"]
                else None
            }
            rec.add(
                "board",
                f"tandem-{backend}",
                level.name,
                server_command=" ".join(tandem.argv),
                summary=row,
                result=samples,
            )
    columns = [
        ("backend", "backend"),
        ("measure", "measure"),
        ("p50 ms", "p50"),
        ("p95 ms", "p95"),
        ("p99 ms", "p99"),
        ("max ms", "max"),
        ("ack p99 ms", "ack_p99"),
        ("ops/s", "rate"),
        ("server CPU %", "srv_cpu"),
        ("CPU µs/op", "cpu_us"),
        ("peak RSS MB", "rss_mb"),
        ("other CPU %", "other_cpu"),
        ("note", "note"),
    ]
    notes = (
        "\nLatency: coach sends `op` → client's socket receives `applied`. Acks and broadcasts "
        "come after the store's commit, so every op was durable before it was visible or "
        "acked (SQLite: group commit, each op acked after the transaction holding it). "
    )
    notes += (
        "Redis: redis-server on the server's core with appendonly yes, appendfsync everysec "
        "(an ack means Redis ran the apply script; fsync within a second).\n"
    )
    return table("Goal board (scenario 3)", columns, rows) + notes
