"""The /timer namespace over real Socket.IO connections to a real server (issue 5)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from rooms.timer import from_record, remaining, to_record
from server.app import create_app
from server.config import Settings
from server.keys import STORE
from signaling.protocol import ROOM_NAMESPACE, TIMER_NAMESPACE
from tests.clocksync import Sample, estimate_offset, server_now
from tests.conftest import ClientFactory
from tests.helpers import FakeClock, Pair, make_pair
from tests.sockets import Recorder

MIN = 60
COMMANDS = ["start", "pause", "resume", "extend", "end"]


def url(server: TestServer) -> str:
    return str(server.make_url("/"))


async def timer_socket(server: TestServer, pair: Pair, *, coach: bool) -> Recorder:
    recorder = Recorder(TIMER_NAMESPACE)
    if coach:
        auth = {"engagement": pair.engagement_id}
        await recorder.connect(url(server), auth, cookie=pair.coach_cookie)
    else:
        await recorder.connect(url(server), {"invite": pair.invite})
    return recorder


async def joined(recorder: Recorder) -> dict[str, Any]:
    ack = await recorder.call("timer:join", {})
    assert ack["ok"] is True, ack
    return dict(ack)


async def both(
    server: TestServer, recorders: list[Recorder], pair: Pair | None = None
) -> tuple[Pair, Recorder, Recorder]:
    pair = pair or await make_pair(server.app)
    c = await timer_socket(server, pair, coach=True)
    k = await timer_socket(server, pair, coach=False)
    recorders += [c, k]
    await joined(c)
    await joined(k)
    return pair, c, k


async def command(recorder: Recorder, name: str, **extra: object) -> dict[str, Any]:
    return dict(await recorder.call("timer:command", {"command": name, **extra}))


async def test_join_shows_the_plan_the_agenda_and_the_server_time(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    k = await timer_socket(server, pair, coach=False)
    recorders.append(k)
    ack = await joined(k)
    assert ack["role"] == "client"
    assert ack["server_time"] == clock.now
    assert ack["planned_minutes"] == pair.session_minutes == 60
    assert ack["state"]["status"] == "idle"
    assert ack["state"]["remaining"] == 60 * MIN
    assert [p["name"] for p in ack["agenda"]] == [
        "Check-in",
        "Review homework",
        "Main work",
        "Wrap-up: homework and next steps",
    ]


async def test_coach_commands_reach_both_and_follow_the_clock(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    _pair, c, k = await both(server, recorders)
    ack = await command(c, "start", version=0)
    assert ack["ok"] is True and ack["state"]["status"] == "running"
    for side in (c, k):
        assert (await side.next("timer:state"))["state"]["version"] == 1
    clock.advance(20 * MIN)
    paused = (await command(c, "pause"))["state"]
    assert paused["status"] == "paused" and paused["remaining"] == 40 * MIN
    assert (await k.next("timer:state"))["state"]["remaining"] == 40 * MIN
    clock.advance(3 * MIN)
    assert (await command(c, "resume"))["state"]["remaining"] == 40 * MIN
    extended = (await command(c, "extend", minutes=10))["state"]
    assert extended["remaining"] == 50 * MIN and extended["extended_seconds"] == 600
    clock.advance(5 * MIN)
    ended = (await command(c, "end"))["state"]
    assert ended["status"] == "ended"
    assert ended["summary"]["active_seconds"] == 25 * MIN
    assert ended["summary"]["wall_seconds"] == 28 * MIN
    final = await k.until("timer:state", lambda m: m["state"]["status"] == "ended")
    assert final["state"]["summary"] == ended["summary"]


async def prepare(coach: Recorder, name: str) -> None:
    """Brings the timer to a state in which `name` would be a valid move for the coach."""
    if name in ("pause", "extend", "end"):
        assert (await command(coach, "start"))["ok"]
    if name == "resume":
        assert (await command(coach, "start"))["ok"]
        assert (await command(coach, "pause"))["ok"]


@pytest.mark.parametrize("name", COMMANDS)
async def test_the_client_cannot_control_the_timer(
    server: TestServer, recorders: list[Recorder], name: str
) -> None:
    pair, c, k = await both(server, recorders)
    await prepare(c, name)
    before = await server.app[STORE].timer_get(pair.engagement_id)
    if before is not None:  # the client has seen every state the coach made so far
        await k.until("timer:state", lambda m: m["state"]["version"] == before.version)
    extra = {"minutes": 5} if name == "extend" else {}
    ack = await command(k, name, **extra)
    assert ack == {
        "ok": False,
        "error": "forbidden",
        "message": "Only the coach can control the timer.",
    }
    after = await server.app[STORE].timer_get(pair.engagement_id)
    assert (None if after is None else to_record(after)) == (
        None if before is None else to_record(before)
    )
    # a broadcast would have reached this socket before the ack did
    assert k.pending("timer:state") == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"command": "explode"}, "command"),
        ({"command": "extend", "minutes": 7}, "minutes"),
        ({"command": "extend"}, "minutes"),
        ({"command": "start", "minutes": 5}, "minutes"),
        ({"command": "start", "version": -1}, "version"),
        ({"command": "start", "as": "coach"}, "as"),
        ("start", None),
    ],
)
async def test_malformed_commands_are_refused_and_change_nothing(
    server: TestServer, recorders: list[Recorder], payload: object, field: str | None
) -> None:
    pair, c, _k = await both(server, recorders)
    ack = await c.call("timer:command", payload)
    assert ack["ok"] is False and ack["error"] == "invalid"
    assert ack.get("field") == field
    assert await server.app[STORE].timer_get(pair.engagement_id) is None


async def test_invalid_transitions_and_stale_versions_are_conflicts(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair, c, _k = await both(server, recorders)
    assert await command(c, "pause") == {
        "ok": False,
        "error": "conflict",
        "message": "The timer has not started yet.",
    }
    assert (await command(c, "start"))["ok"]
    assert (await command(c, "start"))["message"] == "The timer is already running."
    stale = await command(c, "pause", version=0)
    assert stale["error"] == "conflict"
    stored = await server.app[STORE].timer_get(pair.engagement_id)
    assert stored is not None and stored.version == 1 and stored.status.value == "running"


async def test_commands_need_a_join_and_unknown_events_are_refused(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c = await timer_socket(server, pair, coach=True)
    recorders.append(c)
    assert (await command(c, "start"))["error"] == "not-joined"
    assert (await c.call("timer:state", {}))["error"] == "invalid"
    assert (await c.call("join", {}))["error"] == "invalid"


async def test_ping_answers_with_the_server_time(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    k = await timer_socket(server, pair, coach=False)
    recorders.append(k)
    assert await k.call("timer:ping", {"t0": 12.5}) == {
        "ok": True,
        "t0": 12.5,
        "server_time": clock.now,
    }
    for bad in ({"t0": "now"}, {"t0": True}, {}, {"t0": 1e300}):
        assert (await k.call("timer:ping", bad))["field"] == "t0"


async def test_a_timer_is_only_seen_by_its_own_engagement(
    server: TestServer, recorders: list[Recorder]
) -> None:
    _pair, c, _k = await both(server, recorders)
    other = await make_pair(server.app, client="Ola")
    stranger = await timer_socket(server, other, coach=False)
    recorders.append(stranger)
    assert (await joined(stranger))["state"]["status"] == "idle"
    assert (await command(c, "start"))["ok"]
    assert (await c.next("timer:state"))["state"]["status"] == "running"
    assert stranger.pending("timer:state") == 0
    assert (await joined(stranger))["state"]["status"] == "idle"


async def test_the_coach_sets_the_agenda_and_the_client_cannot(
    server: TestServer, recorders: list[Recorder]
) -> None:
    _pair, c, k = await both(server, recorders)
    assert (await k.call("timer:agenda", {}))["default"] is True
    phases = [{"name": "Arrive", "minutes": 10}, {"name": "Plan", "minutes": 50}]
    refused = await k.call("timer:agenda-set", {"phases": phases})
    assert refused["error"] == "forbidden"
    assert (await c.call("timer:agenda-set", {"phases": []}))["error"] == "invalid"
    assert (await c.call("timer:agenda-set", {"phases": phases}))["ok"] is True
    assert (await k.next("timer:agenda-updated"))["agenda"] == phases
    got = await k.call("timer:agenda", {})
    assert got == {"ok": True, "agenda": phases, "default": False}
    state = (await command(c, "start"))["state"]
    assert [p["name"] for p in state["phases"]] == ["Arrive", "Plan"]


async def test_ending_the_session_logs_the_real_duration(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair, c, _k = await both(server, recorders)
    room_coach, room_client = Recorder(ROOM_NAMESPACE), Recorder(ROOM_NAMESPACE)
    recorders += [room_coach, room_client]
    await room_coach.connect(
        url(server), {"engagement": pair.engagement_id}, cookie=pair.coach_cookie
    )
    await room_client.connect(url(server), {"invite": pair.invite})
    for side in (room_coach, room_client):
        assert (await side.call("join", {"device": side.device}))["ok"]
    started = clock.now
    assert (await command(c, "start"))["ok"]
    clock.advance(72 * MIN)
    assert (await command(c, "end"))["ok"]
    calls = await server.app[STORE].calls_of(pair.engagement_id)
    assert len(calls) == 1 and calls[0].duration == 72 * MIN and calls[0].started_at == started

    clock.advance(4 * MIN)  # goodbyes after the end do not stretch the logged session
    assert (await room_client.call("leave"))["ok"]
    await room_coach.until("presence", lambda p: p["client"] == "away")
    calls = await server.app[STORE].calls_of(pair.engagement_id)
    assert len(calls) == 1 and calls[0].duration == 72 * MIN


class SkewedClock:
    """A clock that runs in real time, `skew` seconds off true time."""

    def __init__(self, skew: float) -> None:
        self.skew = skew

    def __call__(self) -> float:
        return time.time() + self.skew


async def synced_offset(recorder: Recorder, local: SkewedClock, rounds: int = 8) -> float:
    """What the browser does (web/static/js/clocksync.js): repeated pings, fastest wins."""
    samples = []
    for _ in range(rounds):
        t0 = local()
        ack = await recorder.call("timer:ping", {"t0": t0})
        samples.append(Sample(ack["t0"], ack["server_time"], local()))
    return estimate_offset(samples)


async def test_clients_ten_minutes_apart_agree_within_250_ms(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    recorders: list[Recorder],
) -> None:
    server_clock = SkewedClock(37.0)  # the server is not exactly on true time either
    server = await aiohttp_server(create_app(settings, clock=server_clock))
    _pair, c, k = await both(server, recorders)
    coach_clock, client_clock = SkewedClock(-300.0), SkewedClock(+300.0)  # 10 minutes apart
    coach_offset = await synced_offset(c, coach_clock)
    client_offset = await synced_offset(k, client_clock)
    state = from_record((await command(c, "start"))["state"])

    for _ in range(3):
        readings = [
            remaining(state, server_now(coach_clock(), coach_offset)),
            remaining(state, server_now(client_clock(), client_offset)),
            remaining(state, server_clock()),
        ]
        assert max(readings) - min(readings) < 0.25, readings
        # without the offset the client's screen would be minutes ahead of the server
        assert remaining(state, server_clock()) - remaining(state, client_clock()) > 250


async def test_a_restart_mid_session_keeps_the_state_and_time_left(
    make_client: ClientFactory, recorders: list[Recorder], clock: FakeClock
) -> None:
    first = await make_client()
    pair = await make_pair(first.app)
    _, c, _k = await both(first.server, recorders, pair)
    assert (await command(c, "start"))["ok"]
    clock.advance(12 * MIN)
    assert (await command(c, "extend", minutes=5))["ok"]
    clock.advance(3 * MIN)
    assert (await command(c, "pause"))["ok"]
    for recorder in recorders:
        await recorder.close()
    await first.close()

    clock.advance(2 * MIN)  # the server is down for a while; a paused timer does not move
    second = await make_client()
    _, c2, k2 = await both(second.server, recorders, pair)
    state = (await joined(k2))["state"]
    assert state["status"] == "paused" and state["version"] == 3
    assert state["remaining"] == (60 + 5 - 15) * MIN
    assert state["phase"]["name"] == "Review homework"
    assert (await command(c2, "resume"))["ok"]
    clock.advance(MIN)
    assert (await joined(k2))["state"]["remaining"] == (60 + 5 - 16) * MIN
