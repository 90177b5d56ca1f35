"""Session rules on both backends: sittings, the held rule, practice, recorded sessions,
counts, series, moves and calendar files. Time is a FakeClock; nothing waits."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path

import icalendar
import pytest

from rooms.calls import CallKind, CallRecord
from rooms.errors import Conflict, InvalidInput
from rooms.models import Cadence, Engagement, InviteState, Language
from rooms.session_service import Sessions
from rooms.sessions import HeldPolicy, SessionKind, SessionStatus
from rooms.sessions.ics import EventText, calendar
from rooms.sessions.schedule import RecordedDraft, SeriesDraft, SessionDraft, zone
from rooms.store import Store, open_store
from rooms.tokens import new_id, new_token
from tests.helpers import FakeClock
from tests.redis_server import BACKENDS, backend_url

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
MINUTE = 60.0


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, request.param, tmp_path)


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    opened = await open_store(url)
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2027, 1, 12, 8, 0, tzinfo=dt.UTC).timestamp())


@pytest.fixture
async def engagement(store: Store) -> Engagement:
    coach = await store.create_coach(
        email="c@example.org", display_name="C", password_hash="h", now=1.0
    )
    item = Engagement(
        new_id(),
        coach.id,
        "Kari",
        Language.NB,
        6,
        60,
        Cadence.BIWEEKLY,
        new_token(),
        InviteState.ACTIVE,
        1.0,
    )
    await store.create_engagement(item)
    return item


@pytest.fixture
def sessions(store: Store, clock: FakeClock) -> Sessions:
    return Sessions(store, clock, HeldPolicy(min_together_seconds=10 * MINUTE))


def at(hour: int, minute: int = 0, day: int = 12) -> float:
    return dt.datetime(2027, 1, day, hour, minute, tzinfo=dt.UTC).timestamp()


async def call(
    store: Store,
    sessions: Sessions,
    engagement: Engagement,
    start: float,
    end: float,
    kind: CallKind = CallKind.REAL,
) -> CallRecord:
    opened = await store.open_call(engagement.id, kind, start)
    assert opened is not None
    closed = await store.close_call(engagement.id, end)
    assert closed is not None
    await sessions.call_closed(engagement, closed)
    return closed


def plan(start: float, minutes: int = 60, kind: str = "video") -> SessionDraft:
    moment = dt.datetime.fromtimestamp(start, OSLO)
    return SessionDraft.parse(
        {
            "date": moment.date().isoformat(),
            "time": moment.strftime("%H:%M"),
            "minutes": str(minutes),
            "kind": kind,
        },
        OSLO,
    )


async def test_a_drop_a_reload_and_a_rejoin_make_one_held_session(
    store: Store, sessions: Sessions, engagement: Engagement, clock: FakeClock
) -> None:
    planned = await sessions.plan(engagement, plan(at(9)))
    await sessions.plan(engagement, plan(at(9, day=26)))
    await call(store, sessions, engagement, at(9, 2), at(9, 6))  # the line drops
    await call(store, sessions, engagement, at(9, 7), at(9, 9))  # a reload after the grace
    assert (await sessions.get(engagement, planned.id)).status is SessionStatus.PLANNED
    await call(store, sessions, engagement, at(9, 10), at(9, 40))  # leave and rejoin
    clock.now = at(9, 45)
    held = await sessions.get(engagement, planned.id)
    assert held.status is SessionStatus.HELD
    assert len(held.calls) == 3
    assert held.together_seconds == 36 * MINUTE
    assert len(await store.sessions_of(engagement.id)) == 2
    counts = await sessions.counts(engagement)
    assert (counts.held, counts.planned, counts.number) == (1, 2, 1)
    clock.now = at(12)
    assert (await sessions.counts(engagement)).number == 2  # the next one


async def test_a_two_minute_call_is_not_held(
    store: Store, sessions: Sessions, engagement: Engagement, clock: FakeClock
) -> None:
    planned = await sessions.plan(engagement, plan(at(9)))
    await call(store, sessions, engagement, at(9, 0), at(9, 2))
    assert (await sessions.get(engagement, planned.id)).status is SessionStatus.PLANNED
    assert (await sessions.counts(engagement)).held == 0
    await call(store, sessions, engagement, at(15), at(15, 2))  # nobody planned this one
    assert len(await store.sessions_of(engagement.id)) == 1
    clock.now = at(18)
    assert [s.status for s in await sessions.of(engagement)] == [SessionStatus.MISSED]
    assert (await sessions.counts(engagement)).held == 0


async def test_short_unplanned_calls_of_one_sitting_add_up(
    store: Store, sessions: Sessions, engagement: Engagement
) -> None:
    await call(store, sessions, engagement, at(14), at(14, 6))
    assert await store.sessions_of(engagement.id) == []
    await call(store, sessions, engagement, at(14, 20), at(14, 26))
    [made] = await store.sessions_of(engagement.id)
    assert (made.status, made.planned_start, len(made.calls)) == (SessionStatus.HELD, None, 2)
    await call(store, sessions, engagement, at(16), at(16, 30))  # over an hour later: new
    assert len(await store.sessions_of(engagement.id)) == 2


async def test_practice_calls_never_count(
    store: Store, sessions: Sessions, engagement: Engagement
) -> None:
    planned = await sessions.plan(engagement, plan(at(9)))
    await call(store, sessions, engagement, at(9), at(10), CallKind.PRACTICE)
    await call(store, sessions, engagement, at(13), at(14), CallKind.PRACTICE)
    assert await store.sessions_of(engagement.id) == [await sessions.get(engagement, planned.id)]
    assert (await sessions.get(engagement, planned.id)).calls == ()
    assert (await sessions.counts(engagement)).held == 0
    history = await sessions.connection_history(engagement)
    assert [line.call.kind for line in history.calls] == [CallKind.PRACTICE] * 2


async def test_a_phone_session_entered_by_the_coach_counts(
    store: Store, sessions: Sessions, engagement: Engagement, clock: FakeClock
) -> None:
    planned = await sessions.plan(engagement, plan(at(9)))
    await sessions.plan(engagement, plan(at(9, day=26)))
    moment = dt.datetime.fromtimestamp(at(9, 5), OSLO)
    draft = RecordedDraft.parse(
        {
            "date": moment.date().isoformat(),
            "time": moment.strftime("%H:%M"),
            "minutes": "50",
            "kind": "phone",
        },
        OSLO,
    )
    recorded = await sessions.record(engagement, draft)
    assert recorded.id == planned.id  # it fills the planned slot
    assert (recorded.kind, recorded.status, recorded.together_seconds) == (
        SessionKind.PHONE,
        SessionStatus.HELD,
        50 * MINUTE,
    )
    clock.now = at(20)
    counts = await sessions.counts(engagement)
    assert (counts.held, counts.planned) == (1, 2)
    with pytest.raises(InvalidInput):
        RecordedDraft.parse(
            {"date": "2027-01-12", "time": "10:00", "minutes": "50", "kind": "video"}, OSLO
        )


async def test_the_coach_corrects_a_count(
    store: Store, sessions: Sessions, engagement: Engagement, clock: FakeClock
) -> None:
    planned = await sessions.plan(engagement, plan(at(9)))
    await call(store, sessions, engagement, at(9), at(9, 5))
    await sessions.correct(engagement, planned.id, "held")
    clock.now = at(20)
    assert (await sessions.counts(engagement)).held == 1
    await call(store, sessions, engagement, at(20), at(20, 40))  # a new sitting; the fix stays
    assert (await sessions.get(engagement, planned.id)).status is SessionStatus.HELD
    with pytest.raises(InvalidInput):
        await sessions.correct(engagement, planned.id, "planned")


async def test_a_six_month_biweekly_series_moves_and_cancels(
    store: Store, sessions: Sessions, engagement: Engagement
) -> None:
    draft = SeriesDraft.parse(
        {
            "date": "2027-01-12",
            "time": "10:00",
            "every_weeks": "2",
            "months": "6",
            "minutes": "60",
            "kind": "video",
        },
        OSLO,
    )
    made = await sessions.plan_series(engagement, draft)
    assert 12 <= len(made) <= 13
    local = [dt.datetime.fromtimestamp(s.planned_start or 0, OSLO) for s in made]
    assert {(m.weekday(), m.hour, m.minute) for m in local} == {(1, 10, 0)}  # Tuesdays 10:00
    assert len({s.series for s in made}) == 1
    moved = await sessions.move(engagement, made[3].id, plan(at(13, day=2 + 7 * 0) + 0))
    assert (moved.uid, moved.sequence) == (made[3].uid, 1)
    again = await sessions.move(engagement, made[3].id, plan(at(14, day=2)))
    assert again.sequence == 2
    cancelled = await sessions.cancel(engagement, made[4].id)
    assert (cancelled.status, cancelled.sequence) == (SessionStatus.CANCELLED, 1)
    with pytest.raises(Conflict):
        await sessions.cancel(engagement, made[4].id)
    assert (await sessions.counts(engagement)).planned == len(made) - 1


async def test_ics_holds_the_utc_instant_across_a_dst_change(
    store: Store, sessions: Sessions, engagement: Engagement
) -> None:
    """A coach in Oslo plans 10:00 every other Tuesday from March into April 2027 (summer
    time begins on 28 March); a client in Amsterdam must get 09:00Z, then 08:00Z."""
    draft = SeriesDraft.parse(
        {
            "date": "2027-03-16",
            "time": "10:00",
            "every_weeks": "2",
            "months": "1",
            "minutes": "60",
            "kind": "video",
        },
        zone("Europe/Oslo"),
    )
    made = await sessions.plan_series(engagement, draft)
    moved = await sessions.move(
        engagement,
        made[1].id,
        SessionDraft.parse({"date": "2027-03-31", "time": "11:30", "minutes": "90"}, OSLO),
    )
    body = calendar(
        [made[0], moved], EventText("Coaching", "Session", "https://t.example/i/x/room"), 5.0
    )
    parsed = icalendar.Calendar.from_ical(body)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    first, second = events[made[0].uid], events[moved.uid]
    assert first.decoded("DTSTART") == dt.datetime(2027, 3, 16, 9, 0, tzinfo=dt.UTC)
    assert second.decoded("DTSTART") == dt.datetime(2027, 3, 31, 9, 30, tzinfo=dt.UTC)
    assert second.decoded("DTEND") - second.decoded("DTSTART") == dt.timedelta(minutes=90)
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    assert first.decoded("DTSTART").astimezone(amsterdam).hour == 10
    assert second.decoded("DTSTART").astimezone(amsterdam).strftime("%H:%M") == "11:30"
    assert (int(first["SEQUENCE"]), int(second["SEQUENCE"])) == (0, 1)
    assert str(second["LOCATION"]) == "https://t.example/i/x/room"


async def test_erase_removes_every_session_and_call(
    store: Store, sessions: Sessions, engagement: Engagement
) -> None:
    await sessions.plan(engagement, plan(at(9)))
    await call(store, sessions, engagement, at(9), at(9, 30))
    await sessions.erase(engagement.id)
    assert await store.sessions_of(engagement.id) == []
    assert await store.calls_of(engagement.id) == []


async def test_a_call_no_hook_attached_is_counted_when_the_next_one_closes(
    store: Store, sessions: Sessions, engagement: Engagement
) -> None:
    """A process that stopped between logging a call and attaching it loses nothing."""
    planned = await sessions.plan(engagement, plan(at(9)))
    await store.open_call(engagement.id, CallKind.REAL, at(9))
    assert await store.close_call(engagement.id, at(9, 30)) is not None  # no hook ran
    await call(store, sessions, engagement, at(9, 35), at(9, 40))
    attached = await sessions.get(engagement, planned.id)
    assert (len(attached.calls), attached.status) == (2, SessionStatus.HELD)
    assert attached.together_seconds == 35 * MINUTE


async def test_the_coach_time_zone_is_kept_with_the_account(store: Store) -> None:
    coach = await store.create_coach(
        email="z@example.org", display_name="Z", password_hash="h", now=1.0
    )
    assert coach.time_zone == ""
    await store.set_coach_time_zone(coach.id, "Europe/Amsterdam")
    found = await store.coach_by_id(coach.id)
    assert found is not None and found.time_zone == "Europe/Amsterdam"
    await store.set_coach_time_zone("no-such-coach", "UTC")
    assert await store.coach_by_id("no-such-coach") is None


async def test_two_processes_closing_the_same_call_count_it_once(
    store: Store, url: str, sessions: Sessions, engagement: Engagement, clock: FakeClock
) -> None:
    planned = await sessions.plan(engagement, plan(at(9)))
    other = await open_store(url)
    try:
        elsewhere = Sessions(other, clock, sessions.policy)
        await store.open_call(engagement.id, CallKind.REAL, at(9))
        closed = await store.close_call(engagement.id, at(9, 20))
        assert closed is not None
        await asyncio.gather(
            *(s.call_closed(engagement, closed) for s in (sessions, elsewhere, sessions, elsewhere))
        )
    finally:
        await other.close()
    found = await sessions.get(engagement, planned.id)
    assert (found.calls, found.together_seconds) == ((closed.id,), 20 * MINUTE)
    assert len(await store.sessions_of(engagement.id)) == 1
