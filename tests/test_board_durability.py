"""No acknowledged board edit is lost on `kill -9` of the app (issue 17, acceptance 2),
with group commit in place: many edits in flight at once on several boards, so the SQLite
backend commits them several to a transaction (rooms/store/sqlite/group_commit.py), and
each is acknowledged only after its transaction. The same on a redis-server (one script per
edit). After the kill and a restart, every acknowledged op id is in its board's log at the
version its ack named, and the versions run 1..N without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from pathlib import Path
from typing import Any

import pytest

from rooms.store import open_store, store_url
from signaling.protocol import BOARD_NAMESPACE
from tests.helpers import PASSWORD
from tests.processes import ServerProcess, cli, login_cookie
from tests.rawsocket import RawSocket
from tests.redis_server import RedisServer

BOARDS = 3
SOCKETS = 4  # per board, each sending its next edit as soon as the last is acknowledged
ACKED_BEFORE_KILL = 150


def engagements(redis: RedisServer | None, data_dir: Path) -> list[str]:
    cli(redis, data_dir, "coach", "add", "k9@example.org", "--password-stdin", stdin=PASSWORD)
    made = []
    for n in range(BOARDS):
        out = cli(
            redis, data_dir, "engagement", "add", "--coach", "k9@example.org", "--client", f"K{n}"
        )
        room = re.search(r"/engagements/([\w-]+)", out)
        assert room, out
        made.append(room.group(1))
    return made


async def kill_while_editing(redis: RedisServer | None, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    node = ServerProcess(redis, data_dir, tmp_path / "node.log")
    node.start()
    sockets: list[RawSocket] = []
    try:
        boards = engagements(redis, data_dir)
        cookie = await login_cookie(node.url, "k9@example.org")
        acked: dict[str, tuple[str, int]] = {}  # op id -> (engagement, version)
        enough = asyncio.Event()

        async def edit(engagement_id: str, sock: RawSocket, tag: str) -> None:
            for n in range(100_000):
                ident = f"{tag}-{n:06d}"
                value = f"edit {ident}"
                op = {
                    "type": "set",
                    "section": "agreement",
                    "field": "program_goals",
                    "value": value,
                }
                ack: Any = await sock.call("op", {"op_id": ident, "op": op})
                assert ack["ok"] is True, ack
                acked[ident] = (engagement_id, ack["version"])
                if len(acked) >= ACKED_BEFORE_KILL:
                    enough.set()
                # A socket's budget is 20 edits a second sustained (burst 100).
                await asyncio.sleep(0.05)

        loops = []
        for engagement_id in boards:
            for s in range(SOCKETS):
                sock = RawSocket(BOARD_NAMESPACE)
                sockets.append(sock)
                await sock.connect(node.url, {"engagement": engagement_id}, cookie=cookie)
                assert (await sock.call("join", {}))["ok"] is True
                tag = f"{engagement_id[:6]}-{s}"
                loops.append(asyncio.create_task(edit(engagement_id, sock, tag)))
        await asyncio.wait_for(enough.wait(), 120)
        node.stop(signal.SIGKILL)  # edits in flight, some mid-commit
        for loop in loops:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await loop
        assert len(acked) >= ACKED_BEFORE_KILL
        node.start()  # SQLite recovers its WAL on open; Redis kept running

        store = await open_store(store_url(redis.url if redis else None, data_dir))
        try:
            for engagement_id in boards:
                records = await store.board_ops_since(engagement_id, 0, limit=100_000)
                assert records is not None
                assert [r.version for r in records] == list(range(1, len(records) + 1))
                logged = {r.op_id: r.version for r in records}
                mine = {i: v for i, (e, v) in acked.items() if e == engagement_id}
                lost = [i for i, v in mine.items() if logged.get(i) != v]
                assert lost == [], f"{len(lost)} acknowledged edits lost: {lost[:5]}"
        finally:
            await store.close()
    finally:
        for sock in sockets:
            with contextlib.suppress(Exception):
                await sock.close()
        node.stop()
    assert "Traceback" not in node.log()


@pytest.mark.timeout(300)
async def test_no_acknowledged_edit_is_lost_when_sqlite_is_killed(tmp_path: Path) -> None:
    await kill_while_editing(None, tmp_path)


@pytest.mark.redis
@pytest.mark.timeout(300)
async def test_no_acknowledged_edit_is_lost_when_redis_backed_is_killed(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    await kill_while_editing(redis_server, tmp_path)
