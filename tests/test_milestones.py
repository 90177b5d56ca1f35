"""Milestones that come due (issue 14, acceptance 2): the check-in at half the planned
sessions, the final review at the last one, each showing the goals as agreed beside now."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from rooms.accounts import SESSION_COOKIE
from rooms.milestones import MONTH, Kind, State, milestones
from rooms.models import Engagement, Role
from rooms.sessions.records import SessionKind
from rooms.sessions.rules import Counts
from rooms.sessions.schedule import RecordedDraft, SeriesDraft
from server.keys import ACCOUNTS, AGREEMENTS, BOARDS, PROGRAM, SESSIONS, STORE
from tests.conftest import ClientFactory
from tests.helpers import PASSWORD, FakeClock, Pair, make_pair
from tests.redis_server import BACKENDS, backend_url

DAY = 86_400.0
EMPTY = {"checkin": {"action_plan": ""}, "review": {"action_plan": ""}}


def states(held: int, number: int | None = None, *, elapsed: float = 0.0) -> tuple[State, State]:
    counts = Counts(held=held, planned=12, number=number if number is not None else held + 1)
    checkin, review = milestones(counts, EMPTY, months=6, started_at=0.0, now=elapsed)
    return checkin.state, review.state


def test_with_twelve_planned_the_checkin_is_due_after_six_and_the_review_at_the_twelfth() -> None:
    assert states(5) == (State.UPCOMING, State.UPCOMING)
    assert states(6) == (State.DUE, State.UPCOMING)
    assert states(10) == (State.DUE, State.UPCOMING)
    assert states(10, number=10) == (State.DUE, State.UPCOMING)  # the 10th just ended
    assert states(11) == (State.DUE, State.DUE)  # the 12th is the next session
    assert states(12, number=12) == (State.DUE, State.DUE)


def test_half_the_months_brings_the_checkin_first_and_a_written_plan_makes_it_done() -> None:
    assert states(2, elapsed=2.9 * MONTH) == (State.UPCOMING, State.UPCOMING)
    assert states(2, elapsed=3.0 * MONTH) == (State.DUE, State.UPCOMING)
    assert states(2, elapsed=6.0 * MONTH) == (State.DUE, State.DUE)
    board = {"checkin": {"action_plan": "Apply to three jobs"}, "review": {"action_plan": ""}}
    counts = Counts(held=6, planned=12, number=7)
    checkin, review = milestones(counts, board, months=6, started_at=0.0, now=0.0)
    assert (checkin.kind, checkin.state, checkin.at_session) == (Kind.CHECKIN, State.DONE, 6)
    assert (review.state, review.at_session) == (State.UPCOMING, 12)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, request.param, tmp_path)


async def test_due_milestones_show_everywhere_with_the_goals_as_agreed(
    url: str, make_client: ClientFactory, clock: FakeClock
) -> None:
    client = await make_client(redis_url=url if url.startswith("redis://") else "")
    app = client.app
    pair = await make_pair(app, language="en")  # 6 months, every other week: 12 sessions
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    boards = app[BOARDS]
    add = {"type": "add", "collection": "goals", "id": "goal-cv", "fields": {"title": "A CV"}}
    await boards.apply(engagement, Role.COACH, "op-cv-0001", add)
    version = await app[AGREEMENTS].save(engagement, Role.COACH, "Our agreement")
    await app[AGREEMENTS].accept(engagement, Role.CLIENT, 1, version.digest, False)
    edit = {
        "type": "update",
        "collection": "goals",
        "id": "goal-cv",
        "fields": {"title": "A CV and two applications", "progress": 40, "status": "active"},
    }
    await boards.apply(engagement, Role.CLIENT, "op-cv-0002", edit)

    start = clock.now + DAY
    starts = tuple(start + n * 14 * DAY for n in range(12))
    await app[SESSIONS].plan_series(engagement, SeriesDraft(starts, 60, SessionKind.VIDEO))
    assert (await app[SESSIONS].counts(engagement)).planned == 12

    held = 0

    async def hold(count: int) -> None:
        nonlocal held
        for n in range(held, count):
            clock.now = starts[n] + 2 * 3600
            await app[SESSIONS].record(engagement, RecordedDraft(starts[n], 60, SessionKind.PHONE))
        held = count
        counts = await app[SESSIONS].counts(engagement)
        assert (counts.held, counts.planned) == (count, 12)

    await hold(5)
    assert [m.state for m in await app[PROGRAM].milestones(engagement)] == [State.UPCOMING] * 2
    dashboard = await (await client.get("/dashboard", cookies=await _login(client))).text()
    assert 'data-testid="engagement-row"' in dashboard
    assert 'data-testid="engagement-milestone"' not in dashboard

    await hold(6)
    checkin, review = await app[PROGRAM].milestones(engagement)
    assert (checkin.state, review.state) == (State.DUE, State.UPCOMING)
    await _shows_due(client, pair, engagement, "checkin")

    await hold(10)
    assert [m.state for m in await app[PROGRAM].milestones(engagement)] == [
        State.DUE,
        State.UPCOMING,
    ]
    await hold(11)  # the 12th session is next: the review is due at it
    assert [m.state for m in await app[PROGRAM].milestones(engagement)] == [State.DUE] * 2
    board = await _shows_due(client, pair, engagement, "review")
    assert 'data-testid="goal-history-entry"' in board and "40" in board


async def _login(http: TestClient) -> dict[str, str]:
    """Months pass in these tests: a fresh login, as the coach would do."""
    token, _ = await http.app[ACCOUNTS].login("coach@example.org", PASSWORD, "127.0.0.1")
    return {SESSION_COOKIE: token}


async def _shows_due(http: TestClient, pair: Pair, engagement: Engagement, kind: str) -> str:
    """Dashboard, client home and the room say so; the board opens that section and shows
    the goal as agreed beside its current wording, status and progress."""
    coach = await _login(http)
    dashboard = await (await http.get("/dashboard", cookies=coach)).text()
    assert f'data-testid="engagement-milestone" data-kind="{kind}"' in dashboard
    home = await (await http.get(f"/i/{pair.invite}")).text()
    assert f'data-testid="milestone-due" data-kind="{kind}"' in home
    room = await (await http.get(f"/i/{pair.invite}/room")).text()
    assert f'id="board-{kind}" data-testid="{kind}-section" open' in room
    page = f"/engagements/{engagement.id}/board"
    board = await (await http.get(page, cookies=coach)).text()
    assert f'id="board-{kind}" data-testid="{kind}-section" open' in board
    section = board.split(f'data-testid="{kind}-goals-compare"', 1)[1]
    assert '<td data-label="As agreed" data-testid="goal-agreed">A CV (0%)</td>' in section
    assert "A CV and two applications" in section and "40%" in section and "Active" in section
    return section
