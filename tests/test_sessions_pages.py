"""Sessions on the pages: planning from the engagement page, counts that agree on the
dashboard, the client's home and the room, calendar files, and the connection history
only the coach of that engagement sees (issue 13, acceptance 1, 2 and 5)."""

from __future__ import annotations

import datetime as dt
import json
import re

import icalendar
from aiohttp.test_utils import TestClient

from rooms.calls import CallKind
from rooms.models import Role
from rooms.sessions import MediaPath, QualityLevel
from server.keys import BOARDS, SESSIONS, STORE
from tests.helpers import FakeClock, Pair, make_pair, post_form
from tests.test_board_pages import cookies
from tests.test_techcheck import report_for

MINUTE = 60.0


def counted(page: str, testid: str) -> tuple[int, int]:
    match = re.search(rf'data-testid="{testid}" data-held="(\d+)" data-planned="(\d+)"', page)
    assert match, testid
    return int(match.group(1)), int(match.group(2))


async def plan_series(client: TestClient, pair: Pair, date: str, months: str = "6") -> str:
    page = f"/engagements/{pair.engagement_id}"
    status, location = await post_form(
        client,
        page,
        f"{page}/sessions/series",
        {
            "date": date,
            "time": "10:00",
            "every_weeks": "2",
            "months": months,
            "minutes": "60",
            "kind": "video",
        },
    )
    assert status == 303 and location.endswith("#sessions"), location
    return location


async def test_counts_agree_on_dashboard_client_home_and_room(
    client: TestClient, clock: FakeClock
) -> None:
    pair = await make_pair(client.app, language="nb")
    client.session.cookie_jar.update_cookies(cookies(pair))
    clock.now = dt.datetime(2027, 1, 5, 8, tzinfo=dt.UTC).timestamp()
    await plan_series(client, pair, "2027-01-05")
    store, sessions = client.app[STORE], client.app[SESSIONS]
    engagement = await store.engagement(pair.engagement_id)
    assert engagement is not None
    start = dt.datetime(2027, 1, 5, 9, 1, tzinfo=dt.UTC).timestamp()  # 10:01 in Oslo
    for begin, end in ((0, 4), (5, 9), (11, 45)):  # a drop, a reload, a leave and rejoin
        await store.open_call(engagement.id, CallKind.REAL, start + begin * MINUTE)
        call = await store.close_call(engagement.id, start + end * MINUTE)
        assert call is not None
        await sessions.call_closed(engagement, call)
    await store.open_call(engagement.id, CallKind.PRACTICE, start + 50 * MINUTE)
    practice = await store.close_call(engagement.id, start + 80 * MINUTE)
    assert practice is not None
    await sessions.call_closed(engagement, practice)
    clock.now = start + 81 * MINUTE

    dashboard = await (await client.get("/dashboard")).text()
    home = await (await client.get(f"/i/{pair.invite}")).text()
    room = await (await client.get(f"/i/{pair.invite}/room")).text()
    coach_room = await (await client.get(f"/engagements/{pair.engagement_id}/room")).text()
    detail = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert counted(dashboard, "engagement-sessions") == (1, 13)
    assert counted(home, "client-counts") == (1, 13)
    assert counted(detail, "session-counts") == (1, 13)
    for page in (room, coach_room):
        match = re.search(
            r'data-testid="session-number" data-number="(\d+)" data-planned="(\d+)"', page
        )
        assert match and (match.group(1), match.group(2)) == ("1", "13")  # the one just held
    assert "Økt 1 av 13" in room
    clock.now = start + 5 * 3600
    room = await (await client.get(f"/i/{pair.invite}/room")).text()
    assert "Økt 2 av 13" in room  # the rest of the day: the next one is session 2


async def test_moving_a_session_keeps_its_uid_and_bumps_the_sequence(
    client: TestClient, clock: FakeClock
) -> None:
    clock.now = dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC).timestamp()
    pair = await make_pair(client.app)
    client.session.cookie_jar.update_cookies(cookies(pair))
    await plan_series(client, pair, "2027-03-16", months="2")
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    listed = await client.app[SESSIONS].of(engagement)
    second = listed[1]
    page = f"/engagements/{pair.engagement_id}"
    status, _ = await post_form(
        client,
        page,
        f"{page}/sessions/{second.id}/move",
        {"date": "2027-04-01", "time": "14:30", "minutes": "90", "kind": "video"},
    )
    assert status == 303
    body = await (await client.get(f"/i/{pair.invite}/sessions.ics")).read()
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert len(events) == len(listed)
    moved = events[second.uid]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == dt.datetime(2027, 4, 1, 12, 30, tzinfo=dt.UTC)  # CEST
    first = events[listed[0].uid]
    assert first.decoded("DTSTART") == dt.datetime(2027, 3, 16, 9, 0, tzinfo=dt.UTC)  # CET
    assert str(first["LOCATION"]) == f"http://127.0.0.1:8080/i/{pair.invite}/room"
    one = await (await client.get(f"/i/{pair.invite}/sessions.ics?session={second.id}")).read()
    assert [str(e["UID"]) for e in icalendar.Calendar.from_ical(one).walk("VEVENT")] == [second.uid]
    missing = await client.get(f"/i/{pair.invite}/sessions.ics?session=nope-nope")
    assert missing.status == 404


async def test_a_bad_plan_is_refused_beside_the_form_and_changes_nothing(
    client: TestClient,
) -> None:
    pair = await make_pair(client.app)
    client.session.cookie_jar.update_cookies(cookies(pair))
    page = f"/engagements/{pair.engagement_id}"
    status, body = await post_form(
        client, page, f"{page}/sessions", {"date": "2027-02-30", "time": "10:00"}
    )
    assert status == 400 and 'data-testid="session-error"' in body and "Enter a date." in body
    assert await client.app[STORE].sessions_of(pair.engagement_id) == []


async def test_connection_history_is_the_coachs_and_only_for_that_engagement(
    client: TestClient, clock: FakeClock
) -> None:
    pair = await make_pair(client.app)
    other = await make_pair(client.app, email="other@example.org", client="Ola")
    store, sessions = client.app[STORE], client.app[SESSIONS]
    engagement = await store.engagement(pair.engagement_id)
    assert engagement is not None
    now = clock.now
    for index in range(3):
        await store.open_call(engagement.id, CallKind.REAL, now + index * 3600)
        if index == 1:
            await sessions.report_call(engagement, Role.CLIENT, MediaPath.RELAY, QualityLevel.POOR)
            await sessions.report_call(engagement, Role.COACH, MediaPath.DIRECT, QualityLevel.GOOD)
        await store.close_call(engagement.id, now + index * 3600 + 120)
    for index in range(4):
        await store.save_techcheck(report_for(engagement.id, now + index))
    client.session.cookie_jar.update_cookies(cookies(pair))
    detail = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert detail.count('data-testid="call-row"') == 3
    assert detail.count('data-testid="techcheck-entry"') == 4
    assert 'data-testid="call-client" data-path="relay"' in detail
    assert 'data-testid="call-coach" data-path="direct"' in detail

    for path in (f"/i/{other.invite}", f"/i/{pair.invite}"):  # client pages: no history
        page = await (await client.get(path)).text()
        assert "call-row" not in page and "techcheck-entry" not in page
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(cookies(other))
    foreign = await client.get(f"/engagements/{pair.engagement_id}")
    assert foreign.status == 404
    own = await (await client.get(f"/engagements/{other.engagement_id}")).text()
    assert "call-row" not in own and "techcheck-entry" not in own
    ics = await client.get(f"/engagements/{pair.engagement_id}/sessions.ics")
    assert ics.status == 404


async def test_exports_carry_the_sessions_and_recaps_and_no_private_note(
    client: TestClient, clock: FakeClock
) -> None:
    pair = await make_pair(client.app)
    store, sessions = client.app[STORE], client.app[SESSIONS]
    engagement = await store.engagement(pair.engagement_id)
    assert engagement is not None
    boards = client.app[BOARDS]
    await store.open_call(engagement.id, CallKind.REAL, clock.now)
    clock.advance(60)
    await boards.apply(
        engagement,
        Role.COACH,
        "op-goal-77",
        {"type": "add", "collection": "goals", "id": "goal-77", "fields": {"title": "Lage CV"}},
    )
    await boards.put_private_note(engagement, Role.COACH, "private-77", "PRIVATE-77 secret")
    clock.advance(20 * 60)
    call = await store.close_call(engagement.id, clock.now)
    assert call is not None
    await sessions.call_closed(engagement, call)
    data = json.loads(await (await client.get(f"/i/{pair.invite}/board/export.json")).text())
    [exported] = data["sessions"]
    assert exported["status"] == "held" and exported["together_minutes"] == 21
    assert [c["kind"] for c in exported["recap"]["changes"]] == ["goal-added"]
    markdown = await (await client.get(f"/i/{pair.invite}/board/export.md")).text()
    assert "## Sessions" in markdown and "goal-added: Lage CV" in markdown
    for body in (json.dumps(data), markdown):
        assert "PRIVATE-77" not in body


async def test_the_coach_reads_times_in_the_zone_they_choose(
    client: TestClient, clock: FakeClock
) -> None:
    pair = await make_pair(client.app)
    client.session.cookie_jar.update_cookies(cookies(pair))
    await plan_series(client, pair, "2027-01-19", months="1")  # 10:00 in Oslo (the default)
    page = f"/engagements/{pair.engagement_id}"
    before = await (await client.get(page)).text()
    assert "Tuesday, January 19 at 10:00" in before
    status, _ = await post_form(
        client,
        page,
        "/account/time-zone",
        {"time_zone": "Europe/London", "engagement": pair.engagement_id},
    )
    assert status == 303
    after = await (await client.get(page)).text()
    assert "Tuesday, January 19 at 9:00" in after and 'value="Europe/London" selected' in after
    status, body = await post_form(client, page, "/account/time-zone", {"time_zone": "Mars/Base"})
    assert status == 400 and "Europe/Oslo" in body
    coach = await client.app[STORE].coach_by_email("coach@example.org")
    assert coach is not None and coach.time_zone == "Europe/London"


async def test_a_session_that_was_not_held_can_be_moved_to_a_new_time(
    client: TestClient, clock: FakeClock
) -> None:
    pair = await make_pair(client.app)
    client.session.cookie_jar.update_cookies(cookies(pair))
    page = f"/engagements/{pair.engagement_id}"
    status, _ = await post_form(
        client, page, f"{page}/sessions", {"date": "2027-01-14", "time": "10:00"}
    )  # the day before the clock's today: missed
    assert status == 303
    [missed] = await client.app[STORE].sessions_of(pair.engagement_id)
    detail = await (await client.get(page)).text()
    assert f'data-session-id="{missed.id}" data-status="missed"' in detail
    assert f"/sessions/{missed.id}/move" in detail
    status, _ = await post_form(
        client, page, f"{page}/sessions/{missed.id}/move", {"date": "2027-01-21", "time": "10:00"}
    )
    assert status == 303
    moved = await client.app[STORE].session_get(pair.engagement_id, missed.id)
    assert moved is not None and moved.sequence == 1
    detail = await (await client.get(page)).text()
    assert f'data-session-id="{missed.id}" data-status="planned"' in detail
