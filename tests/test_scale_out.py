"""Scale-out on Redis (issue 7): two real `tandem serve` processes on one redis-server.

The coach connects to process A, the client to process B; everything the room does must
work as if both were on one process, and the two-seat rule must hold across them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from rooms.calls import CallKind
from rooms.clock import wall_clock
from rooms.engagements import EngagementDraft, Engagements
from rooms.errors import RoomFull
from rooms.models import Role
from rooms.seats import SeatHolder, SeatState
from rooms.store import Store, open_store
from tests.helpers import Pair
from tests.processes import Cluster, login_cookie, make_pair_cli
from tests.redis_server import RedisServer, running_redis
from tests.sockets import Recorder, client, coach

pytestmark = pytest.mark.redis

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"}}


async def joined(recorder: Recorder, **extra: object) -> dict[str, object]:
    ack = await recorder.call("join", {"device": recorder.device, **extra})
    assert ack["ok"] is True, ack
    return dict(ack)


@pytest.fixture
async def recorders() -> AsyncIterator[list[Recorder]]:
    made: list[Recorder] = []
    yield made
    for recorder in made:
        await recorder.close()


@pytest.fixture
async def pair(cluster: Cluster) -> Pair:
    made = make_pair_cli(cluster.redis, cluster.data_dir)
    made.coach_cookie = await login_cookie(cluster.nodes[0].url)
    return made


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[Store]:
    opened = await open_store(redis_server.url)
    yield opened
    await opened.close()


async def test_coach_on_a_and_client_on_b_signal_and_a_third_is_refused_on_either(
    cluster: Cluster, pair: Pair, recorders: list[Recorder], store: Store
) -> None:
    a, b = (node.url for node in cluster.nodes)
    c, k = await coach(a, pair), await client(b, pair)
    recorders += [c, k]
    await joined(c)
    first = await joined(k)
    assert first["presence"]["coach"] == "here"  # type: ignore[index]
    await c.until("presence", lambda p: p["client"] == "here")

    assert (await c.call("signal", OFFER))["ok"] is True
    assert (await k.next("signal"))["description"]["type"] == "offer"
    assert (await k.call("signal", ANSWER))["ok"] is True, "an answer relayed via B is in order"
    assert (await c.next("signal"))["description"]["type"] == "answer"
    assert (await c.call("media", {"audio": False, "video": True}))["ok"] is True
    assert (await k.next("peer-media"))["audio"] is False

    for url in (a, b):
        third = await client(url, pair)  # the invite forwarded to someone else
        recorders.append(third)
        refused = await third.call("join", {"device": third.device})
        assert refused["error"] == "room-full", refused
        assert (await third.call("signal", OFFER))["error"] == "not-joined"
    assert c.pending("signal") == 0 and k.pending("signal") == 0
    calls = await store.calls_of(pair.engagement_id)
    assert [(call.kind, call.ended_at) for call in calls] == [(CallKind.REAL, None)]


async def test_a_tab_on_b_replaces_the_same_browser_on_a(
    cluster: Cluster, pair: Pair, recorders: list[Recorder]
) -> None:
    a, b = (node.url for node in cluster.nodes)
    c, old = await coach(a, pair), await client(a, pair)
    new = await client(b, pair)
    new.device = old.device
    recorders += [c, old, new]
    await joined(c)
    await joined(old)
    await joined(new)
    assert "another window" in (await old.next("replaced"))["message"]
    await old.next("disconnect")  # disconnected by process A, asked by process B
    await c.call("signal", OFFER)
    assert (await new.next("signal"))["from"] == "coach"
    assert old.pending("signal") == 0


async def test_practice_on_one_process_makes_the_call_practice_on_the_other(
    cluster: Cluster, pair: Pair, recorders: list[Recorder], store: Store
) -> None:
    a, b = (node.url for node in cluster.nodes)
    k, c = await client(a, pair), await coach(b, pair)
    recorders += [k, c]
    await joined(k, practice=True)
    await joined(c)
    await k.until("presence", lambda p: p["coach"] == "here")
    assert [call.kind for call in await store.calls_of(pair.engagement_id)] == [CallKind.PRACTICE]


async def test_concurrent_joins_spread_over_both_processes_seat_two(
    cluster: Cluster, pair: Pair, recorders: list[Recorder], store: Store
) -> None:
    engagements = Engagements(store, wall_clock)
    coach_record = await store.coach_by_email("coach@example.org")
    assert coach_record is not None
    for _ in range(3):
        draft = EngagementDraft.parse({"client_name": "Race", "language": "en"})
        created = await engagements.create(coach_record.id, draft)
        round_pair = Pair(created.id, pair.coach_cookie, created.invite_token)
        people = [
            await (coach if i % 2 else client)(cluster.nodes[(i // 2) % 2].url, round_pair)
            for i in range(50)
        ]
        recorders += people
        acks = await asyncio.gather(*(p.call("join", {"device": p.device}) for p in people))
        assert sum(ack["ok"] for ack in acks) == 2
        assert {ack["error"] for ack in acks if not ack["ok"]} == {"room-full"}
        assert set(await store.seats(created.id)) == {Role.COACH, Role.CLIENT}
        for person in people:
            await person.close()


async def test_200_rounds_of_50_claims_through_two_connections_never_seat_more_than_two(
    redis_server: RedisServer,
) -> None:
    first, second = await open_store(redis_server.url), await open_store(redis_server.url)
    try:
        for round_ in range(200):
            engagement_id = f"round-{round_}"
            claims = [
                (first if i % 2 else second).claim_seat(
                    engagement_id,
                    Role.COACH if i % 4 < 2 else Role.CLIENT,
                    SeatHolder(f"sid-{i}", f"device-{i:04d}-xxxxxxxx", SeatState.HERE, 1.0, "s"),
                    takeover=False,
                )
                for i in range(50)
            ]
            results = await asyncio.gather(*claims, return_exceptions=True)
            won = [r for r in results if not isinstance(r, BaseException)]
            assert len(won) == 2, round_
            assert all(isinstance(r, RoomFull) for r in results if isinstance(r, BaseException))
            assert set(await first.seats(engagement_id)) == {Role.COACH, Role.CLIENT}
    finally:
        await first.close()
        await second.close()


async def test_a_killed_process_frees_its_seats_once_its_heartbeat_expires(
    redis_server: RedisServer,
) -> None:
    dead, alive = await open_store(redis_server.url), await open_store(redis_server.url)
    holder = SeatHolder("gone", "device-of-the-gone", SeatState.HERE, 1.0, "s")
    await dead.claim_seat("e", Role.CLIENT, holder, takeover=False)
    other = SeatHolder("other", "another-device-123", SeatState.HERE, 2.0, "s")
    with pytest.raises(RoomFull):
        await alive.claim_seat("e", Role.CLIENT, other, takeover=False)
    # What `kill -9` leaves behind: the seat, with no process renewing its heartbeat.
    await dead._redis.delete(f"tandem:node:{dead._node}")  # type: ignore[attr-defined]
    assert await alive.seats("e") == {}
    assert await alive.claim_seat("e", Role.CLIENT, other, takeover=False) is None
    with contextlib.suppress(Exception):
        await dead.close()
    await alive.close()


async def test_start_up_warns_loudly_when_redis_has_no_append_only_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for appendonly in (True, False):
        caplog.clear()
        with running_redis(tmp_path / f"aof-{appendonly}", appendonly=appendonly) as server:
            opened = await open_store(server.url)
            await opened.close()
        warned = [r for r in caplog.records if "APPEND-ONLY" in r.getMessage()]
        assert bool(warned) is not appendonly
        assert all(r.levelno == logging.WARNING for r in warned)
