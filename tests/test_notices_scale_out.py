"""One sender across processes (issue 15, acceptance 2): two `tandem serve` processes on
one redis-server and a real SMTP server (aiosmtpd). Each planned session gets exactly one
24-hour reminder, in the client's language and with nothing of the goals, notes or
messages in it; one that falls due while every process is down is sent once on restart."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rooms.clock import wall_clock
from rooms.message_service import Messages
from rooms.models import Engagement, Role
from rooms.notice_service import Notices
from rooms.session_service import Sessions
from rooms.sessions import HeldPolicy, SessionKind, SessionRecord
from rooms.sessions.schedule import SessionDraft
from rooms.store import Store, open_store
from tests.helpers import PASSWORD, eventually
from tests.processes import ServerProcess, cli
from tests.redis_server import RedisServer
from tests.smtp_server import SmtpServer, body

pytestmark = pytest.mark.redis

ADDRESS = "kari@example.org"
SECRET = "Hemlig-mal-7f3a"
DAY = 86400.0


@pytest.fixture
def nodes(
    redis_server: RedisServer, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[list[ServerProcess]]:
    # The test plans sessions through its own store, as the CLI would: outside both
    # processes, so they learn of them from the sweep (server/store_changes.py).
    env = {
        "TANDEM_SMTP_URL": smtp_server.url,
        "TANDEM_NOTICE_CHECK_SECONDS": "1",
        "TANDEM_NOTICE_SWEEP_SECONDS": "1",
    }
    made = [
        ServerProcess(redis_server, tmp_path / "data", tmp_path / f"node{i}.log", **env)
        for i in (0, 1)
    ]
    try:
        for node in made:
            node.start()
        yield made
    finally:
        for node in made:
            node.stop()


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[Store]:
    opened = await open_store(redis_server.url)
    yield opened
    await opened.close()


async def engagement_in(redis: RedisServer, data_dir: Path, store: Store) -> Engagement:
    cli(redis, data_dir, "coach", "add", "coach@example.org", "--password-stdin", stdin=PASSWORD)
    out = cli(redis, data_dir, "engagement", "add", "--coach", "coach@example.org",
              "--client", "Kari", "--lang", "sv")  # fmt: skip
    found = re.search(r"/engagements/([\w-]+)", out)
    assert found, out
    engagement = await store.engagement(found.group(1))
    assert engagement is not None
    await Notices(store, wall_clock).set_address(engagement, ADDRESS)
    messages = Messages(store, wall_clock)
    await messages.send(engagement, Role.COACH, "secret-message-1", SECRET)
    await messages.mark_read(engagement, Role.CLIENT, 1)  # read: no new-message notice
    return engagement


async def plan_due_in(store: Store, engagement: Engagement, seconds: float) -> SessionRecord:
    """A session whose 24-hour reminder falls due `seconds` from now."""
    sessions = Sessions(store, wall_clock, HeldPolicy(min_together_seconds=600))
    draft = SessionDraft(time.time() + DAY + seconds, 60, SessionKind.VIDEO)
    return await sessions.plan(engagement, draft)


def reminders(smtp: SmtpServer, session: SessionRecord) -> int:
    found = 0
    for mail in smtp.inbox.to(ADDRESS):
        for part in mail.iter_attachments():
            content = part.get_content()
            text = content.decode() if isinstance(content, bytes) else str(content)
            found += session.uid in text
    return found


async def test_each_session_gets_one_24_hour_reminder_from_two_processes_and_after_a_restart(
    nodes: list[ServerProcess],
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    store: Store,
    tmp_path: Path,
) -> None:
    engagement = await engagement_in(redis_server, tmp_path / "data", store)
    first = await plan_due_in(store, engagement, 3)
    second = await plan_due_in(store, engagement, 4)
    await eventually(lambda: reminders(smtp_server, first) and reminders(smtp_server, second), 30)
    sentinel = await plan_due_in(store, engagement, 3)  # planned later: both had their chance
    await eventually(lambda: reminders(smtp_server, sentinel) > 0, 30)
    assert (reminders(smtp_server, first), reminders(smtp_server, second)) == (1, 1)
    mail = smtp_server.inbox.to(ADDRESS)[0]
    assert mail["Subject"] == "Påminnelse: ditt coachningssamtal är i morgon"
    assert "Hej Kari," in body(mail) and SECRET not in mail.as_string()

    for node in nodes:
        node.stop()
    while_down = await plan_due_in(store, engagement, 2)
    await eventually(lambda: time.time() > (while_down.planned_start or 0) - DAY + 1, 10)
    for node in nodes:
        node.start()
    await eventually(lambda: reminders(smtp_server, while_down) > 0, 30)
    last = await plan_due_in(store, engagement, 3)
    await eventually(lambda: reminders(smtp_server, last) > 0, 30)
    assert reminders(smtp_server, while_down) == 1
    assert reminders(smtp_server, first) == 1
    sent = [e for e in await store.notice_log(engagement.id) if e.outcome.value == "sent"]
    assert len([e for e in sent if not e.kind.to_coach]) == 5

    async def coach_reminders() -> int:
        log = await store.notice_log(engagement.id)
        return len([e for e in log if e.kind.to_coach and e.outcome.value == "sent"])

    async def five_to_the_coach() -> bool:  # the coach's own reminders: also once each
        return await coach_reminders() >= 5

    await eventually(five_to_the_coach, 30)
    assert await coach_reminders() == 5
    assert len(smtp_server.inbox.to("coach@example.org")) == 5
