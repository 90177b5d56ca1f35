"""The notice round plans only what changed (server/store_changes.py): an idle round is
one store call (the claim), a write through the app's services is planned by the next
round, and a write from outside the server (the CLI's own store) waits for the sweep."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from rooms.clock import wall_clock
from rooms.notices import NoticeKind
from rooms.session_service import Sessions
from rooms.sessions import HeldPolicy, SessionKind
from rooms.sessions.schedule import SessionDraft
from rooms.store import open_store
from server.config import Settings
from server.keys import METRICS, NOTICE_SENDER, NOTICES, SESSIONS, STORE
from tests.helpers import FakeClock, eventually, make_pair
from tests.smtp_server import SmtpServer

DAY = 86400.0


@pytest.fixture
def settings(data_dir: Path, smtp_server: SmtpServer) -> Settings:
    return Settings(data_dir=data_dir, smtp_url=smtp_server.url, notice_check_seconds=3600)


def store_calls(client: TestClient) -> float:
    registry = client.app[METRICS].registry
    found = registry.get_sample_value("tandem_store_seconds_count", {"backend": "sqlite"})
    return found or 0.0


async def test_an_idle_round_is_one_claim_and_a_change_is_planned_next_round(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer, data_dir: Path
) -> None:
    app = client.app
    pair = await make_pair(app)
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    sender = app[NOTICE_SENDER]
    await sender.tick()

    async def idle_round_costs_one_call() -> bool:
        # The app's own start-up rounds (notices, retention) may still touch the store on
        # a busy machine: they can only add calls, so one round seen at exactly one call
        # shows that an idle round is the claim and nothing else.
        before = store_calls(client)
        assert await sender.tick() == 0
        return store_calls(client) - before == 1

    await eventually(idle_round_costs_one_call)

    start = clock.now + 3 * DAY
    await app[SESSIONS].plan(engagement, SessionDraft(start, 60, SessionKind.VIDEO))
    clock.now = start - DAY + 5
    await sender.tick()
    sent = [e.kind for e in await app[NOTICES].log(engagement)]
    assert NoticeKind.REMINDER_24H in sent

    # planned behind the server's back (as the CLI would): only the sweep finds it
    outside = await open_store(f"sqlite:///{data_dir / 'tandem.sqlite3'}")
    try:
        later = start + 3 * DAY
        draft = SessionDraft(later, 60, SessionKind.VIDEO)
        await Sessions(outside, wall_clock, HeldPolicy()).plan(engagement, draft)
    finally:
        await outside.close()
    clock.now = later - DAY + 5
    await sender.tick()
    count = [e.kind for e in await app[NOTICES].log(engagement)].count(NoticeKind.REMINDER_24H)
    assert count == 1
    await app[NOTICES].plan_all()  # the sweep
    await sender.tick()
    count = [e.kind for e in await app[NOTICES].log(engagement)].count(NoticeKind.REMINDER_24H)
    assert count == 2
