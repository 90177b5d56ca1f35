"""Back-pressure on board edits (issue 17, acceptance 4): far more edits at once than one
server commits in the bound, on each backend.

A real `tandem serve` (SQLite; and on a redis-server) gets BOARDS * SOCKETS * OPS edits
in one burst, four times the backlog's bound (and on Redis, where the edits of one board
are committed one after another, seconds of work per board). Every edit must be answered
with either its commit or `try-again` (rooms/board_backlog.py), none later than the
documented bound; then each refused edit is sent again with the same op id, as
web/static/js/board.js does, until it is applied; every op id must end in the log
exactly once, versions 1..N without a gap.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rooms.board_backlog import BACKLOG_WAIT
from rooms.errors import ErrorCode
from rooms.store import open_store, store_url
from signaling.protocol import BOARD_NAMESPACE
from tests.helpers import PASSWORD
from tests.processes import ServerProcess, cli, login_cookie
from tests.rawsocket import RawSocket
from tests.redis_server import RedisServer

BOARDS = 3
SOCKETS = 8  # per board, the coach's
OPS = 90  # per socket, in one burst: within the socket's burst of 100 (docs/board.md)
# The server answers within BACKLOG_WAIT of taking an edit up, plus one commit; the
# burst itself has to be read and parsed first, on a loaded 2-core machine. An unbounded
# queue answers its last edits seconds later (issue 17's table: 1,490 unapplied after 2 s).
BOUND = BACKLOG_WAIT + 2.5
RETRY_FOR = 180.0  # seconds the resends may take in all; a guard, not a measure


class Stamped(dict[int, Any]):
    """The acks dict of a RawSocket, noting when each ack arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[int, float] = {}

    def __setitem__(self, key: int, value: Any) -> None:
        self.at[key] = time.monotonic()
        super().__setitem__(key, value)


def engagements(redis: RedisServer | None, data_dir: Path) -> list[tuple[str, str]]:
    """BOARDS engagements of one coach, made with the CLI: (engagement id, invite)."""
    made = []
    cli(redis, data_dir, "coach", "add", "c@example.org", "--password-stdin", stdin=PASSWORD)
    for n in range(BOARDS):
        out = cli(
            redis, data_dir, "engagement", "add", "--coach", "c@example.org", "--client", f"K{n}"
        )
        room, invite = re.search(r"/engagements/([\w-]+)", out), re.search(r"/i/([\w-]+)", out)
        assert room and invite, out
        made.append((room.group(1), invite.group(1)))
    return made


async def overload(node: ServerProcess, redis: RedisServer | None, data_dir: Path) -> None:
    boards = engagements(redis, data_dir)
    cookie = await login_cookie(node.url, "c@example.org")
    sockets: list[tuple[str, RawSocket]] = []
    try:
        for engagement_id, _invite in boards:
            for _ in range(SOCKETS):
                sock = RawSocket(BOARD_NAMESPACE)
                sock.acks = Stamped()
                sockets.append((engagement_id, sock))
                await sock.connect(node.url, {"engagement": engagement_id}, cookie=cookie)
                assert (await sock.call("join", {}))["ok"] is True
        await burst_then_resend(sockets)
        await check_the_logs(redis, data_dir, [e for e, _ in boards])
    finally:
        for _, sock in sockets:
            await sock.close()
    assert "Traceback" not in node.log()


def op(n: int, socket: int) -> dict[str, Any]:
    value = f"edit {n} from socket {socket}"
    return {"type": "set", "section": "agreement", "field": "coach_expectations", "value": value}


async def burst_then_resend(sockets: list[tuple[str, RawSocket]]) -> None:
    sent: list[tuple[RawSocket, int, float, dict[str, Any]]] = []
    for index, (_, sock) in enumerate(sockets):  # every socket's burst, before any ack
        for n in range(OPS):
            request = {"op_id": f"op-{index:03d}-{n:04d}", "op": op(n, index)}
            started = time.monotonic()
            sent.append((sock, await sock.emit("op", request), started, request))
    refused: list[tuple[RawSocket, dict[str, Any]]] = []
    late = []
    for sock, ack_id, started, request in sent:
        ack = await sock.ack(ack_id, timeout=60)
        if ack["ok"] is not True:
            assert ack["error"] == ErrorCode.TRY_AGAIN, ack
            assert ack["retry_after"] > 0, ack
            refused.append((sock, request))
        took = sock.acks.at[ack_id] - started  # type: ignore[attr-defined]
        if took > BOUND:
            late.append(round(took, 2))
    assert late == [], f"{len(late)} of {len(sent)} answered after {BOUND} s: {late[:10]}"
    assert refused, "the burst never filled the backlog: not an overload"
    applied_first = len(sent) - len(refused)
    assert applied_first > 0, "back-pressure refused everything"

    # The page's answer to `try-again`: the same op id again, after the hint.
    by_socket: dict[int, list[dict[str, Any]]] = {}
    for sock, request in refused:
        by_socket.setdefault(id(sock), []).append(request)
    deadline = time.monotonic() + RETRY_FOR

    async def resend(sock: RawSocket, requests: list[dict[str, Any]]) -> None:
        for request in requests:
            for refusals in itertools.count():
                assert time.monotonic() < deadline, "resends never went through"
                ack = await sock.call("op", request)
                if ack["ok"] is True:
                    assert ack["duplicate"] is False, ack  # refused means nothing applied
                    break
                assert ack["error"] in (ErrorCode.TRY_AGAIN, ErrorCode.THROTTLED), ack
                # board_state.js retryDelay: the hint, doubling to 3 s.
                await asyncio.sleep(min(3.0, ack.get("retry_after", 1.0) * 2 ** min(refusals, 8)))

    socks = {id(sock): sock for _, sock in sockets}
    await asyncio.gather(*(resend(socks[key], reqs) for key, reqs in by_socket.items()))
    # One more resend of an applied op id is a duplicate, never a second record.
    sock, request = refused[0]
    again = await sock.call("op", request)
    assert again["ok"] is True and again["duplicate"] is True, again


async def check_the_logs(redis: RedisServer | None, data_dir: Path, boards: list[str]) -> None:
    store = await open_store(store_url(redis.url if redis else None, data_dir))
    try:
        expected = set()
        for index in range(BOARDS * SOCKETS):
            expected |= {f"op-{index:03d}-{n:04d}" for n in range(OPS)}
        logged: list[str] = []
        for engagement_id in boards:
            records = await store.board_ops_since(engagement_id, 0, limit=10_000)
            assert records is not None
            assert [r.version for r in records] == list(range(1, len(records) + 1))
            logged += [r.op_id for r in records]
        assert len(logged) == len(set(logged)) == len(expected), "an op id applied twice"
        assert set(logged) == expected
    finally:
        await store.close()


@pytest.fixture
def sqlite_node(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    data_dir = tmp_path / "data"
    node = ServerProcess(None, data_dir, tmp_path / "node.log")
    node.start()
    try:
        yield node, data_dir
    finally:
        node.stop()


@pytest.fixture
def redis_node(redis_server: RedisServer, tmp_path: Path) -> Iterator[ServerProcess]:
    node = ServerProcess(redis_server, tmp_path / "data", tmp_path / "node.log")
    node.start()
    try:
        yield node
    finally:
        node.stop()


@pytest.mark.timeout(400)
async def test_an_overloaded_sqlite_server_answers_every_edit_in_the_bound(
    sqlite_node: tuple[ServerProcess, Path],
) -> None:
    node, data_dir = sqlite_node
    await overload(node, None, data_dir)


@pytest.mark.redis
@pytest.mark.timeout(400)
async def test_an_overloaded_redis_server_answers_every_edit_in_the_bound(
    redis_node: ServerProcess, redis_server: RedisServer, tmp_path: Path
) -> None:
    await overload(redis_node, redis_server, tmp_path / "data")
