"""Scale-out on Redis (issue 7): two real `tandem serve` processes on one redis-server.

The coach connects to process A, the client to process B; everything the room does must
work as if both were on one process, and the two-seat rule must hold across them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rooms.calls import CallKind
from rooms.clock import wall_clock
from rooms.engagements import EngagementDraft, Engagements
from rooms.errors import RoomFull
from rooms.models import Role
from rooms.seats import SeatHolder, SeatState
from rooms.store import Store, open_store
from signaling.protocol import TIMER_NAMESPACE
from signaling.room import JOIN_RATE
from tests.boards import Mirror, board_client, board_coach, op_id
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


async def test_a_device_on_b_is_let_in_by_the_coach_on_a_and_takes_the_seat_there(
    cluster: Cluster, pair: Pair, recorders: list[Recorder], store: Store
) -> None:
    """docs/protocol.md "Whose seat it is", across processes: the request, the answer and
    the grant each cross the Redis channel, and the seat key is the same on both."""
    a, b = (node.url for node in cluster.nodes)
    c, k, other = await coach(a, pair), await client(a, pair), await client(b, pair)
    recorders += [c, k, other]
    await joined(c)
    await joined(k)
    waiting = await other.call("join", {"device": other.device, "takeover": True})
    assert waiting["error"] == "waiting" and waiting["asked"] == "coach", waiting
    request = (await c.next("admission-request"))["request"]
    assert request == waiting["request"] and k.pending("admission-request") == 0
    assert (await c.call("admit", {"request": request, "admit": True}))["ok"]
    grant = (await other.next("admission"))["grant"]
    taken = await joined(other, takeover=True, grant=grant)
    assert (await k.next("replaced"))["reason"] == "admitted"
    await k.next("disconnect")  # disconnected by process A, asked by process B
    await c.call("signal", OFFER)
    assert (await other.next("signal"))["from"] == "coach"
    # The token B handed out is good on A: after someone else took the free seat there,
    # the browser takes it back at once.
    assert (await other.call("leave", {}))["ok"] is True
    someone = await client(a, pair)
    again = await client(a, pair)
    again.device = other.device
    recorders += [someone, again]
    await joined(someone)
    await joined(again, takeover=True, token=taken["token"])
    assert (await someone.next("replaced"))["reason"] == "other-device"


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


async def test_200_rounds_of_50_socket_joins_over_both_processes_seat_exactly_two(
    cluster: Cluster, pair: Pair, recorders: list[Recorder], store: Store
) -> None:
    """Acceptance 3 as people do it: 50 connected pages (half coach, half client, every
    other one on the other process) all press join at once; the two who got in leave.

    Each side seats exactly one page a round, except when every page of that side is over
    the documented seat-taking rate: on a fast machine 200 rounds take a side's seat more
    often than its 25 pages' budgets refill (JOIN_RATE), and then all of them hear
    `throttled` and the seat stays free. Never two on one side."""
    roles = [Role.COACH if i % 2 else Role.CLIENT for i in range(50)]
    people = [
        await (coach if role is Role.COACH else client)(cluster.nodes[(i // 2) % 2].url, pair)
        for i, role in enumerate(roles)
    ]
    recorders += people
    loop = asyncio.get_running_loop()
    seated: list[list[float]] = [[] for _ in people]  # when each page took a seat
    full_rounds = 0
    for round_ in range(200):
        started = loop.time()
        acks = await asyncio.gather(*(p.call("join", {"device": p.device}) for p in people))
        ended = loop.time()
        winners = [person for person, ack in zip(people, acks, strict=True) if ack["ok"]]
        won_roles = {role for role, ack in zip(roles, acks, strict=True) if ack["ok"]}
        assert len(winners) == len(won_roles), f"round {round_}: two pages on one side seated"
        for side in {Role.COACH, Role.CLIENT} - won_roles:
            errors = {a["error"] for r, a in zip(roles, acks, strict=True) if r is side}
            assert errors == {"throttled"}, f"round {round_}: {side} seat left free, {errors}"
        full_rounds += len(winners) == 2
        for taken, ack in zip(seated, acks, strict=True):
            if ack["ok"]:
                taken.append(ended)
            elif ack["error"] == "throttled":
                # Only a page really over the seat-taking rate (docs/protocol.md, join)
                # that found a seat to take; every page that lost the race hears room-full.
                assert over_join_rate(taken, started), (round_, taken, started)
            else:
                assert ack["error"] == "room-full", (round_, ack)
        assert set(await store.seats(pair.engagement_id)) == won_roles
        for person in winners:
            assert (await person.call("leave", {}))["ok"] is True
    # Every page has a burst of JOIN_RATE.burst seats: at least the first rounds seat both.
    assert full_rounds >= JOIN_RATE.burst * 25 / 2, full_rounds


def over_join_rate(taken: list[float], now: float) -> bool:
    """Whether a socket that took a seat at `taken` (each at or after the server's moment)
    can have emptied JOIN_RATE's bucket by `now` (at or before it): some run of seats since
    one of them exceeds the burst less one plus what refilled since."""
    rate = JOIN_RATE.per_second
    return any(
        len(taken) - index > JOIN_RATE.burst - 1 + (now - at) * rate
        for index, at in enumerate(taken)
    )


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


# --- board and timer across processes (acceptance 2 and 4) -------------------------------


def goal_op(ident: str, title: str) -> dict[str, Any]:
    return {"type": "add", "collection": "goals", "id": ident, "fields": {"title": title}}


def progress_op(ident: str, progress: int) -> dict[str, Any]:
    return {"type": "update", "collection": "goals", "id": ident, "fields": {"progress": progress}}


async def edit(recorder: Recorder, op: dict[str, Any], ident: str | None = None) -> dict[str, Any]:
    ack: dict[str, Any] = await recorder.call("op", {"op_id": ident or op_id(), "op": op})
    assert ack["ok"] is True, ack
    return ack


async def test_board_edits_on_one_process_reach_the_other_in_version_order(
    cluster: Cluster, pair: Pair, recorders: list[Recorder]
) -> None:
    a, b = (node.url for node in cluster.nodes)
    c, k = await board_coach(a, pair), await board_client(b, pair)
    recorders += [c, k]
    coach_view, client_view = Mirror(await c.call("join")), Mirror(await k.call("join"))

    coach_view.take((await edit(c, goal_op("goal-aaaaaa", "Find a job")))["record"])
    applied = await k.next("applied")
    assert applied["version"] == 1 and applied["role"] == "coach"
    client_view.take(applied)
    client_view.take((await edit(k, progress_op("goal-aaaaaa", 40)))["record"])
    coach_view.take(await c.next("applied"))

    assert coach_view.version == client_view.version == 2
    assert coach_view.state == client_view.state
    assert coach_view.state["goals"][0]["progress"] == 40
    assert c.pending("applied") == 0 and k.pending("applied") == 0  # no echo to the sender


async def test_board_presence_spans_processes(
    cluster: Cluster, pair: Pair, recorders: list[Recorder]
) -> None:
    a, b = (node.url for node in cluster.nodes)
    c = await board_coach(a, pair)
    recorders.append(c)
    assert (await c.call("join"))["presence"] == {"coach": "viewing", "client": "away"}
    k = await board_client(b, pair)
    recorders.append(k)
    assert (await k.call("join"))["presence"] == {"coach": "viewing", "client": "viewing"}
    heard = await c.until("presence", lambda p: p["client"] == "viewing")
    assert heard["coach"] == "viewing"
    await k.close()
    await c.until("presence", lambda p: p["client"] == "away")


async def timer_socket(url: str, pair: Pair, *, as_coach: bool) -> Recorder:
    recorder = Recorder(TIMER_NAMESPACE)
    if as_coach:
        await recorder.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)
    else:
        await recorder.connect(url, {"invite": pair.invite})
    assert (await recorder.call("timer:join", {}))["ok"] is True
    return recorder


async def test_timer_started_on_one_process_runs_on_the_other_with_one_version(
    cluster: Cluster, pair: Pair, recorders: list[Recorder]
) -> None:
    a, b = (node.url for node in cluster.nodes)
    c = await timer_socket(a, pair, as_coach=True)
    k = await timer_socket(b, pair, as_coach=False)
    recorders += [c, k]
    started = await c.call("timer:command", {"command": "start", "version": 0})
    assert started["ok"] is True, started
    heard = (await k.next("timer:state"))["state"]
    assert heard["status"] == "running" and heard["version"] == started["state"]["version"] == 1
    paused = await c.call("timer:command", {"command": "pause", "version": 1})
    assert (
        (await k.until("timer:state", lambda s: s["state"]["version"] == 2))["state"]["status"]
        == paused["state"]["status"]
        == "paused"
    )
    # A late joiner on B reads the same state from Redis; a stale command on B is refused.
    late = await timer_socket(b, pair, as_coach=True)
    recorders.append(late)
    stale = await late.call("timer:command", {"command": "resume", "version": 1})
    assert stale["ok"] is False, stale


async def test_no_acknowledged_board_edit_is_lost_when_a_process_is_killed(
    cluster: Cluster, pair: Pair, recorders: list[Recorder], store: Store
) -> None:
    """Acceptance 4: `kill -9` of the coach's process while it is taking edits."""
    a, b = cluster.nodes
    c, k = await board_coach(a.url, pair), await board_client(b.url, pair)
    recorders += [c, k]
    coach_view, client_view = Mirror(await c.call("join")), Mirror(await k.call("join"))
    coach_view.take((await edit(c, goal_op("goal-aaaaaa", "Find a job")))["record"])
    acked: list[str] = []
    enough = asyncio.Event()

    async def keep_editing() -> None:
        for n in range(1000):
            ident = op_id()
            coach_view.take((await edit(c, progress_op("goal-aaaaaa", n % 101), ident))["record"])
            acked.append(ident)
            if len(acked) == 20:
                enough.set()

    editing = asyncio.create_task(keep_editing())
    await asyncio.wait_for(enough.wait(), 30)
    a.stop(signal.SIGKILL)  # mid-edit: the coach's next op is in flight or about to be
    await c.next("disconnect")
    editing.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await editing
    # The client on B keeps working while A is down.
    while k.pending("applied"):
        client_view.take(await k.next("applied"))
    client_view.take((await edit(k, goal_op("goal-bbbbbb", "Meanwhile on B")))["record"])

    a.start()
    back = await board_coach(a.url, pair)
    recorders.append(back)
    catch_up = await back.call("join", {"since": coach_view.version})
    assert catch_up["ok"] is True and "snapshot" not in catch_up, catch_up
    for record in catch_up["ops"]:
        coach_view.take(record)
    resync = await k.call("join", {"since": client_view.version})
    for record in resync["ops"]:
        client_view.take(record)

    snapshot = await store.board_snapshot(pair.engagement_id)
    assert snapshot is not None
    assert coach_view.version == client_view.version == snapshot.version
    assert coach_view.state == client_view.state == snapshot.state
    for ident in acked:
        assert await store.board_op(pair.engagement_id, ident) is not None, ident
    titles = {g["title"] for g in snapshot.state["goals"]}
    assert titles == {"Find a job", "Meanwhile on B"}
    assert "Traceback" not in cluster.nodes[1].log()
