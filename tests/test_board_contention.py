"""No valid board edit is refused for contention (issue 12, acceptance 8).

Two real `tandem serve` processes on one redis-server: the coach's sockets on one, the
client's on the other, 2,000 mixed operations sent at once from both. Every one must be
applied (no `conflict`, no error of any kind; an edit the backlog refuses with
`try-again` is sent again with its op id, as the page does), the versions must be 1..N
with no gap or repeat, and a coach's and a client's screen (folding `applied` in version
order) must end on the board the store holds. The same on SQLite in one process.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from rooms.errors import ErrorCode
from rooms.models import Role
from rooms.store import Store, open_store
from tests.boards import Mirror, board_client, board_coach, op_id
from tests.helpers import FakeClock, Pair, make_pair
from tests.processes import Cluster, login_cookie, make_pair_cli
from tests.redis_server import RedisServer
from tests.sockets import Recorder

OPS_PER_SIDE = 1000
SOCKETS_PER_SIDE = 11  # a socket may burst 100 events (docs/board.md), its join is one
GOALS = [f"goal-{n:04d}" for n in range(12)]
HOMEWORK = [f"work-{n:04d}" for n in range(12)]


def mixed_ops(role: Role, socket: int) -> list[dict[str, Any]]:
    """This socket's share of its side's operations, valid in any order: field edits on
    shared items, sets, and notes of its own."""
    ops: list[dict[str, Any]] = []
    field = "coach_expectations" if role is Role.COACH else "client_expectations"
    for n in range(socket, OPS_PER_SIDE, SOCKETS_PER_SIDE):
        tag = f"{role.value}-{socket}-{n}"
        kind = n % 10
        if kind == 0:
            fields = {"text": f"note {tag}"}
            ops.append({"type": "add", "collection": "notes", "id": f"n-{tag}", "fields": fields})
        elif kind < 4:
            ops.append({"type": "set", "section": "agreement", "field": field, "value": tag})
        elif kind < 7:
            goal = GOALS[(socket + n) % len(GOALS)]
            fields = {"progress": (n * 7 + socket) % 101}
            ops.append({"type": "update", "collection": "goals", "id": goal, "fields": fields})
        elif kind < 9:
            work = HOMEWORK[(socket * 3 + n) % len(HOMEWORK)]
            ops.append({"type": "tick", "id": work, "done": n % 2 == 0})
        else:
            work = HOMEWORK[(socket + n) % len(HOMEWORK)]
            fields = {"text": f"homework {tag}"}
            ops.append({"type": "update", "collection": "homework", "id": work, "fields": fields})
    return ops


async def seed(setup: Recorder) -> int:
    assert (await setup.call("join"))["ok"] is True
    version = 0
    for goal in GOALS:
        op = {"type": "add", "collection": "goals", "id": goal, "fields": {"title": goal}}
        ack = await setup.call("op", {"op_id": op_id(), "op": op})
        assert ack["ok"] is True, ack
        version = ack["version"]
    for work in HOMEWORK:
        op = {"type": "add", "collection": "homework", "id": work, "fields": {"text": work}}
        ack = await setup.call("op", {"op_id": op_id(), "op": op})
        assert ack["ok"] is True, ack
        version = ack["version"]
    return int(version)


async def storm(
    coach_url: str,
    client_url: str,
    pair: Pair,
    recorders: list[Recorder],
    store: Store,
    waited: Callable[[float], None] = lambda seconds: None,
) -> None:
    """`waited` tells an app on a test clock that a sender waited before resending: the
    socket's budget refills with the app's time, which a frozen clock never moves."""
    setup = await board_coach(coach_url, pair)
    recorders.append(setup)
    seeded = await seed(setup)
    watch_coach, watch_client = (
        await board_coach(coach_url, pair),
        await board_client(client_url, pair),
    )
    recorders += [watch_coach, watch_client]
    views = [Mirror(await watch_coach.call("join")), Mirror(await watch_client.call("join"))]
    senders: list[tuple[Recorder, Role, int]] = []
    for n in range(SOCKETS_PER_SIDE):
        coach_socket = await board_coach(coach_url, pair)
        client_socket = await board_client(client_url, pair)
        recorders += [coach_socket, client_socket]
        senders += [(coach_socket, Role.COACH, n), (client_socket, Role.CLIENT, n)]
    for sender, _role, _n in senders:
        assert (await sender.call("join"))["ok"] is True

    async def send(sender: Recorder, op: dict[str, Any]) -> dict[str, Any]:
        # One process applies one edit of a board at a time, so most of 1,000 at once
        # are refused `try-again` by the backlog (rooms/board_backlog.py) and sent again
        # with the same op id, as the page does; `throttled` when the resends exceed the
        # socket's budget. The timeouts are generous bounds for a loaded machine.
        request = {"op_id": op_id(), "op": op}
        for refusals in itertools.count():
            answer: dict[str, Any] = await sender.sio.call(
                "op", request, namespace=sender.namespace, timeout=120
            )
            if answer.get("error") not in (ErrorCode.TRY_AGAIN, ErrorCode.THROTTLED):
                return answer
            # The page's backoff (board_state.js retryDelay): doubling to 3 s, ±50 %.
            delay = min(3.0, answer.get("retry_after", 1.0) * 2 ** min(refusals, 8))
            delay *= random.uniform(0.5, 1.5)
            await asyncio.sleep(delay)
            waited(delay)
        raise AssertionError("unreachable")

    calls = [send(s, op) for s, role, n in senders for op in mixed_ops(role, n)]
    acks = await asyncio.gather(*calls)
    sockets = [setup, watch_coach, watch_client, *(sender for sender, _, _ in senders)]
    assert all(r.sio.connected and r.pending("disconnect") == 0 for r in sockets)

    refused = [ack for ack in acks if ack.get("ok") is not True]
    assert refused == [], f"{len(refused)} of {len(acks)} refused, e.g. {refused[:3]}"
    assert not any(ack["duplicate"] for ack in acks)
    total = seeded + len(acks)
    assert sorted(ack["version"] for ack in acks) == list(range(seeded + 1, total + 1))

    for view, watcher in zip(views, (watch_coach, watch_client), strict=True):
        while view.version < total:
            view.take(await watcher.next("applied", timeout=120))
    snapshot = await store.board_snapshot(pair.engagement_id)
    assert snapshot is not None and snapshot.version == total
    assert views[0].state == views[1].state == snapshot.state
    history = await store.board_ops_since(pair.engagement_id, 0, limit=total + 1)
    assert history is not None
    assert [record.version for record in history] == list(range(1, total + 1))


@pytest.fixture
async def redis_store(redis_server: RedisServer) -> AsyncIterator[Store]:
    opened = await open_store(redis_server.url)
    yield opened
    await opened.close()


@pytest.mark.redis
@pytest.mark.timeout(600)  # 2,000 edits on a loaded 2-core CI box; a guard, not a measure
async def test_two_processes_apply_every_concurrent_edit(
    cluster: Cluster, recorders: list[Recorder], redis_store: Store
) -> None:
    pair = make_pair_cli(cluster.redis, cluster.data_dir)
    pair.coach_cookie = await login_cookie(cluster.nodes[0].url)
    a, b = (node.url for node in cluster.nodes)
    await storm(a, b, pair, recorders, redis_store)
    for node in cluster.nodes:
        assert "Traceback" not in node.log()


@pytest.mark.timeout(600)
async def test_one_process_on_sqlite_applies_every_concurrent_edit(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    from server.keys import STORE

    pair = await make_pair(server.app)
    url = str(server.make_url("/"))
    # The app runs on the test's clock: a resend after a wait finds the budget refilled
    # only if the clock moves (with a frozen one, a socket past its burst of 100 would be
    # throttled for ever, however long it waited).
    await storm(url, url, pair, recorders, server.app[STORE], waited=clock.advance)
