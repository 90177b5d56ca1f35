"""Timer storage and the Timers service against a real store: compare-and-set, races,
and a timer that survives closing and reopening the store.

The `store` fixture is parametrised over both backends (SQLite, and a real redis-server).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from rooms.errors import Conflict, Forbidden, InvalidInput, NotFound
from rooms.models import Cadence, Engagement, InviteState, Language, Role
from rooms.store import Store
from rooms.store import open_store as open_any
from rooms.timer import (
    DEFAULT_AGENDA,
    Agenda,
    Status,
    TimerState,
    fresh,
    parse_agenda,
    pause,
    phases_for,
    remaining,
    start,
    to_record,
)
from rooms.timer_service import Timers
from tests.helpers import FakeClock
from tests.redis_server import BACKENDS, backend_url

MIN = 60
Opener = Callable[[], Awaitable[Store]]


@pytest.fixture(params=BACKENDS)
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the same backing data on every call, like a restarted server process."""
    url = backend_url(request, request.param, tmp_path)

    async def opener() -> Store:
        return await open_any(url)

    return opener


@pytest.fixture
async def store(open_store: Opener) -> AsyncIterator[Store]:
    opened = await open_store()
    yield opened
    await opened.close()


@pytest.fixture
async def engagement_id(store: Store, clock: FakeClock) -> str:
    coach = await store.create_coach(
        email="coach@example.org", display_name="Coach", password_hash="x", now=clock()
    )
    engagement = Engagement(
        id="eng-1",
        coach_id=coach.id,
        client_name="Client",
        language=Language.EN,
        program_months=6,
        session_minutes=60,
        cadence=Cadence.BIWEEKLY,
        invite_token="t" * 32,
        invite_state=InviteState.ACTIVE,
        created_at=clock(),
    )
    await store.create_engagement(engagement)
    return engagement.id


def idle() -> TimerState:
    return fresh(60 * MIN, phases_for(DEFAULT_AGENDA, 60 * MIN))


class RacingStore:
    """Holds the first `readers` timer reads until all of them have read, so the
    commands behind them are guaranteed to race for the same version."""

    def __init__(self, inner: Store, readers: int) -> None:
        self._inner = inner
        self._barrier = asyncio.Barrier(readers)
        self._held = readers
        self.lost = 0

    async def timer_get(self, engagement_id: str) -> TimerState | None:
        found = await self._inner.timer_get(engagement_id)
        if self._held > 0:
            self._held -= 1
            await self._barrier.wait()
        return found

    async def timer_put(self, engagement_id: str, state: TimerState, expected_version: int) -> bool:
        won = await self._inner.timer_put(engagement_id, state, expected_version)
        self.lost += not won
        return won

    async def agenda_get(self, engagement_id: str) -> Agenda | None:
        return await self._inner.agenda_get(engagement_id)

    async def agenda_put(self, engagement_id: str, agenda: Agenda) -> None:
        await self._inner.agenda_put(engagement_id, agenda)


async def test_put_is_compare_and_set(store: Store, engagement_id: str, clock: FakeClock) -> None:
    assert await store.timer_get(engagement_id) is None
    first = start(idle(), clock())
    assert await store.timer_put(engagement_id, first, 0)
    assert not await store.timer_put(engagement_id, first, 0), "a second first write loses"
    second = pause(first, clock())
    assert await store.timer_put(engagement_id, second, 1)
    assert not await store.timer_put(engagement_id, replace(second, paused_total=9.0), 1)
    assert await store.timer_get(engagement_id) == second


async def test_put_refuses_a_state_that_skips_versions(store: Store, engagement_id: str) -> None:
    with pytest.raises(ValueError, match="one version newer"):
        await store.timer_put(engagement_id, replace(idle(), version=3), 0)
    assert await store.timer_get(engagement_id) is None


async def test_an_unknown_engagement_is_not_found(store: Store, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        await store.timer_put("nope", start(idle(), clock()), 0)
    with pytest.raises(NotFound):
        await store.agenda_put("nope", DEFAULT_AGENDA)


async def test_agenda_is_stored_and_replaced(store: Store, engagement_id: str) -> None:
    assert await store.agenda_get(engagement_id) is None
    short = parse_agenda([{"name": "Talk", "minutes": 50}, {"name": "Plan", "minutes": 10}])
    await store.agenda_put(engagement_id, DEFAULT_AGENDA)
    await store.agenda_put(engagement_id, short)
    assert await store.agenda_get(engagement_id) == short


async def test_of_two_racing_starts_exactly_one_wins(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    racing = RacingStore(store, readers=2)
    timers = Timers(racing, clock)
    results = await asyncio.gather(
        timers.command(engagement_id, Role.COACH, {"action": "start"}, 60),
        timers.command(engagement_id, Role.COACH, {"action": "start"}, 60),
        return_exceptions=True,
    )
    assert racing.lost == 1, "both read version 0, so one write must have lost"
    winners = [r for r in results if isinstance(r, TimerState)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].message == "The timer is already running."
    assert await store.timer_get(engagement_id) == winners[0]


async def test_racing_extensions_both_count(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    await Timers(store, clock).command(engagement_id, Role.COACH, {"action": "start"}, 60)
    racing = RacingStore(store, readers=2)
    timers = Timers(racing, clock)
    await asyncio.gather(
        timers.command(engagement_id, Role.COACH, {"action": "extend", "minutes": 5}, 60),
        timers.command(engagement_id, Role.COACH, {"action": "extend", "minutes": 10}, 60),
    )
    stored = await store.timer_get(engagement_id)
    assert racing.lost == 1
    assert stored is not None and stored.extended_seconds == 15 * MIN and stored.version == 3


async def test_many_concurrent_commands_lose_no_update(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    timers = Timers(store, clock)
    await timers.command(engagement_id, Role.COACH, {"action": "start"}, 60)
    extend = {"action": "extend", "minutes": 5}
    await asyncio.gather(*(timers.command(engagement_id, Role.COACH, extend, 60) for _ in range(6)))
    stored = await timers.state(engagement_id, 60)
    assert (stored.extended_seconds, stored.version) == (30 * MIN, 7)


async def test_time_left_survives_close_and_reopen(
    open_store: Opener, engagement_id: str, clock: FakeClock
) -> None:
    first = await open_store()
    await Timers(first, clock).command(engagement_id, Role.COACH, {"action": "start"}, 60)
    clock.advance(20 * MIN)
    paused = await Timers(first, clock).command(engagement_id, Role.COACH, {"action": "pause"}, 60)
    await first.close()

    clock.advance(3 * MIN)  # the server is down for a while; a paused timer does not move
    second = await open_store()
    timers = Timers(second, clock)
    reopened = await timers.state(engagement_id, 60)
    assert to_record(reopened) == to_record(paused)
    assert remaining(reopened, clock()) == 40 * MIN
    resumed = await timers.command(engagement_id, Role.COACH, {"action": "resume"}, 60)
    clock.advance(5 * MIN)
    assert remaining(resumed, clock()) == 35 * MIN
    await second.close()

    third = await open_store()
    running = await Timers(third, clock).state(engagement_id, 60)
    assert running.status is Status.RUNNING and remaining(running, clock()) == 35 * MIN
    await third.close()


async def test_only_the_coach_can_command_and_refusals_change_nothing(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    timers = Timers(store, clock)
    with pytest.raises(Forbidden):
        await timers.command(engagement_id, Role.CLIENT, {"action": "start"}, 60)
    with pytest.raises(InvalidInput):
        await timers.command(engagement_id, Role.COACH, {"action": "explode"}, 60)
    with pytest.raises(Conflict, match="not started"):
        await timers.command(engagement_id, Role.COACH, {"action": "pause"}, 60)
    assert await store.timer_get(engagement_id) is None


async def test_an_idle_timer_shows_the_plan_and_the_agenda(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    timers = Timers(store, clock)
    shown = await timers.state(engagement_id, 90)
    assert (shown.status, shown.version, shown.planned_seconds) == (Status.IDLE, 0, 90 * MIN)
    assert [p.name for p in shown.phases] == [i.name for i in DEFAULT_AGENDA.items]


async def test_a_stale_command_is_refused(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    timers = Timers(store, clock)
    started = await timers.command(engagement_id, Role.COACH, {"action": "start", "version": 0}, 60)
    ended = await timers.command(engagement_id, Role.COACH, {"action": "end"}, 60)
    with pytest.raises(Conflict, match="changed since"):
        await timers.command(
            engagement_id, Role.COACH, {"action": "start", "version": started.version}, 60
        )
    assert await store.timer_get(engagement_id) == ended


async def test_start_after_an_ended_session_begins_the_next_with_the_new_agenda(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    timers = Timers(store, clock)
    await timers.command(engagement_id, Role.COACH, {"action": "start"}, 60)
    await timers.set_agenda(engagement_id, Role.COACH, [{"name": "Only", "minutes": 1}], 60)
    running = await timers.state(engagement_id, 60)
    assert len(running.phases) == 4, "a running session keeps its phases"
    clock.advance(70 * MIN)
    ended = await timers.command(engagement_id, Role.COACH, {"action": "end"}, 60)
    clock.advance(14 * 24 * 3600)
    nxt = await timers.command(engagement_id, Role.COACH, {"action": "start"}, 45)
    assert nxt.version == ended.version + 1 and nxt.status is Status.RUNNING
    assert [(p.name, p.seconds) for p in nxt.phases] == [("Only", 45 * MIN)]
    assert remaining(nxt, clock()) == 45 * MIN


async def test_only_the_coach_sets_a_valid_agenda(
    store: Store, engagement_id: str, clock: FakeClock
) -> None:
    timers = Timers(store, clock)
    phases = [{"name": "Talk", "minutes": 30}]
    with pytest.raises(Forbidden):
        await timers.set_agenda(engagement_id, Role.CLIENT, phases, 60)
    with pytest.raises(InvalidInput):
        await timers.set_agenda(engagement_id, Role.COACH, [{"name": "", "minutes": 5}], 60)
    assert await timers.agenda(engagement_id) == DEFAULT_AGENDA
    await timers.set_agenda(engagement_id, Role.COACH, phases, 60)
    assert (await timers.agenda(engagement_id)).to_wire() == phases
