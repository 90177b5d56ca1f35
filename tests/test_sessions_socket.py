"""The room's hooks into sessions over real Socket.IO: a call held long enough becomes a
held session, the page's `call_report` reaches the connection history, bad reports are
refused (issue 13, acceptance 1 and 5)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from aiohttp.test_utils import TestServer

from rooms.models import Role
from rooms.sessions import MediaPath, SessionStatus
from rooms.sessions.schedule import SessionDraft
from server.keys import SESSIONS, STORE
from tests.helpers import FakeClock, make_pair
from tests.sockets import Recorder, client, coach
from tests.test_signaling_room import joined, url
from tests.test_signaling_timer import joined as timer_joined
from tests.test_signaling_timer import timer_socket


async def test_a_held_call_becomes_a_session_and_reports_reach_the_history(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    assert (await c.call("call_report", {"path": "direct"}))["ok"] is False  # not seated
    await joined(c)
    await joined(k)
    assert (await k.call("call_report", {"path": "relay", "quality": "poor"})) == {
        "ok": True,
        "counted": True,
    }
    assert (await c.call("call_report", {"path": "direct", "quality": "good"}))["ok"] is True
    for bad in ({"path": "carrier-pigeon"}, {"quality": "superb"}, {"extra": 1}, "direct", None):
        refused = await k.call("call_report", bad)
        assert refused["ok"] is False and refused["error"] == "invalid", bad
    clock.advance(12 * 60)
    assert (await k.call("leave"))["ok"] is True
    await c.until("presence", lambda p: p["client"] == "away")
    [session] = await server.app[STORE].sessions_of(pair.engagement_id)
    assert session.status is SessionStatus.HELD and session.together_seconds == 12 * 60
    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    history = await server.app[SESSIONS].connection_history(engagement)
    [line] = history.calls
    paths = {r.role: r.path for r in line.reports}
    assert paths == {Role.CLIENT: MediaPath.RELAY, Role.COACH: MediaPath.DIRECT}
    assert line.session_id == session.id


async def test_a_short_call_makes_no_session(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(c)
    await joined(k)
    clock.advance(120)
    await k.call("leave")
    await c.until("presence", lambda p: p["client"] == "away")
    assert len(await server.app[STORE].calls_of(pair.engagement_id)) == 1
    assert await server.app[STORE].sessions_of(pair.engagement_id) == []


async def test_the_timer_defaults_to_the_length_of_the_session_under_way(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)  # the engagement's sessions are 60 minutes
    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    moment = dt.datetime.fromtimestamp(clock.now + 600, dt.UTC)
    draft = SessionDraft.parse(
        {"date": moment.date().isoformat(), "time": moment.strftime("%H:%M"), "minutes": "90"},
        zoneinfo.ZoneInfo("UTC"),
    )
    await server.app[SESSIONS].plan(engagement, draft)
    timer = await timer_socket(server, pair, coach=True)
    recorders.append(timer)
    ack = await timer_joined(timer)
    assert ack["planned_minutes"] == 90
    started = await timer.call("timer:command", {"command": "start"})
    assert started["ok"] is True and started["state"]["planned_seconds"] == 90 * 60
