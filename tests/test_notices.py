"""Notices through a real SMTP server (aiosmtpd) with an injected clock (issue 15,
acceptance 3): the inactivity nudge comes after two missed intervals of the cadence and
not before, opted-out clients get none, and the engagement page shows what was sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rooms.accounts import SESSION_COOKIE
from rooms.models import Engagement, Role
from rooms.notice_service import INTERVAL_DAYS, QUIET_SECONDS
from rooms.notices import LogEntry, NoticeKind, Outcome
from rooms.sessions import SessionKind
from rooms.sessions.schedule import SessionDraft
from server.config import Settings
from server.keys import ACCOUNTS, BOARDS, MESSAGES, NOTICE_SENDER, NOTICES, SESSIONS, STORE
from tests.helpers import PASSWORD, FakeClock, Pair, csrf_for, make_pair
from tests.smtp_server import SmtpServer, body

SECRET = "Hemmelig-mal-7f3a"
DAY = 86400.0


@pytest.fixture
def settings(data_dir: Path, smtp_server: SmtpServer) -> Settings:
    # The round interval is long: the tests run each round themselves, on the fake clock.
    return Settings(data_dir=data_dir, smtp_url=smtp_server.url, notice_check_seconds=3600)


async def engagement_of(client: TestClient, pair: Pair) -> Engagement:
    found = await client.app[STORE].engagement(pair.engagement_id)
    assert found is not None
    return found


async def log_in(client: TestClient) -> None:
    """A fresh login: the fake clock has moved past the test's first one."""
    token, _ = await client.app[ACCOUNTS].login("coach@example.org", PASSWORD, "127.0.0.1")
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: token})


async def with_content(client: TestClient, engagement: Engagement) -> None:
    """A goal and a message that no notice may mention."""
    app = client.app
    op = {"type": "add", "collection": "goals", "id": "goal-1", "fields": {"title": SECRET}}
    await app[BOARDS].apply(engagement, Role.COACH, "op-secret-1", op)
    await app[MESSAGES].send(engagement, Role.COACH, "msg-secret-1", f"{SECRET} message")
    await app[MESSAGES].mark_read(engagement, Role.CLIENT, 1)  # no new-message notice


async def test_the_nudge_comes_after_two_missed_intervals_and_not_before(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, language="nb")
    engagement = await engagement_of(client, pair)
    await app[NOTICES].set_address(engagement, "kari@example.org")
    await with_content(client, engagement)
    interval = INTERVAL_DAYS[engagement.cadence] * DAY
    sender = app[NOTICE_SENDER]

    clock.advance(2 * interval - 60)
    await sender.tick()
    assert smtp_server.inbox.to("kari@example.org") == []
    assert await app[NOTICES].log(engagement) == []

    clock.advance(120)
    assert await sender.tick() == 1
    await sender.tick()
    (mail,) = smtp_server.inbox.to("kari@example.org")
    assert mail["Subject"] == "Coachen din vil gjerne høre fra deg"
    text = body(mail)
    assert f"/i/{pair.invite}" in text and "Hei Kari," in text
    assert SECRET not in mail.as_string()
    assert mail["List-Unsubscribe"].strip().startswith("<http") and "/u/" in text
    assert await app[NOTICES].log(engagement) == [
        LogEntry(clock.now, NoticeKind.NUDGE, Outcome.SENT)
    ]

    await log_in(client)
    page = await client.get(f"/engagements/{pair.engagement_id}")
    html = await page.text()
    assert 'data-kind="nudge" data-outcome="sent"' in html

    # the client comes back: the next nudge counts from the visit
    await app[STORE].board_touch(engagement.id, Role.CLIENT, clock.now)
    clock.advance(2 * interval - 60)
    await sender.tick()
    assert len(smtp_server.inbox.to("kari@example.org")) == 1
    clock.advance(120)
    await sender.tick()
    assert len(smtp_server.inbox.to("kari@example.org")) == 2


async def test_an_opted_out_client_gets_no_e_mail_and_the_page_says_so(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, language="sv")
    engagement = await engagement_of(client, pair)
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: pair.coach_cookie})
    page = f"/engagements/{pair.engagement_id}"
    contact_form = f"{page}/notices/contact"
    wrong = await client.post(
        contact_form, data={"csrf": await csrf_for(client, page), "client_email": "not mail"}
    )
    assert 'data-testid="contact-invalid"' in await wrong.text()
    assert await app[NOTICES].contact(engagement) is None
    saved = await client.post(
        contact_form, data={"csrf": await csrf_for(client, page), "client_email": "Ola@Example.org"}
    )
    assert 'data-testid="contact-saved"' in await saved.text()
    contact = await app[NOTICES].contact(engagement)
    assert contact is not None and not contact.opted_out
    form = await client.get(f"/u/{contact.token}")
    assert form.status == 200 and "unsubscribe" in await form.text()
    done = await client.post(f"/u/{contact.token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status == 200 and 'data-testid="unsubscribed"' in await done.text()
    assert (await client.post("/u/not-a-real-token-at-all-000")).status == 404

    clock.advance(2 * INTERVAL_DAYS[engagement.cadence] * DAY + 60)
    assert await app[NOTICE_SENDER].tick() == 1
    assert smtp_server.inbox.to("ola@example.org") == []
    assert await app[NOTICES].log(engagement) == [
        LogEntry(clock.now, NoticeKind.NUDGE, Outcome.OPTED_OUT)
    ]
    await log_in(client)
    html = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert 'data-outcome="opted-out"' in html and 'data-testid="client-opted-out"' in html


async def test_reminders_a_day_and_an_hour_before_in_the_clients_language(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, language="nl")
    engagement = await engagement_of(client, pair)
    await app[NOTICES].set_address(engagement, "sanne@example.org")
    await with_content(client, engagement)
    start = clock.now + 3 * DAY
    await app[SESSIONS].plan(engagement, SessionDraft(start, 60, SessionKind.VIDEO))
    sender = app[NOTICE_SENDER]
    clock.now = start - DAY - 60
    await sender.tick()
    assert smtp_server.inbox.to("sanne@example.org") == []
    clock.now = start - DAY + 5
    await sender.tick()
    (day_before,) = smtp_server.inbox.to("sanne@example.org")
    assert day_before["Subject"] == "Herinnering: je coachingsessie is morgen"
    attachments = list(day_before.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["session.ics"]
    assert SECRET not in day_before.as_string()
    clock.now = start - 3600 + 5
    await sender.tick()
    await sender.tick()
    mails = smtp_server.inbox.to("sanne@example.org")
    assert [m["Subject"] for m in mails][1:] == ["Je coachingsessie begint over een uur"]


async def test_without_smtp_the_notice_shows_on_the_clients_page_only(
    make_client: Any, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    client = await make_client(smtp_url="")
    app = client.app
    pair = await make_pair(app, language="nb")
    engagement = await engagement_of(client, pair)
    await app[NOTICES].set_address(engagement, "kari@example.org")
    clock.advance(2 * INTERVAL_DAYS[engagement.cadence] * DAY + 60)
    await app[NOTICE_SENDER].tick()
    assert smtp_server.inbox.messages == []
    assert [e.outcome for e in await app[NOTICES].log(engagement)] == [Outcome.IN_APP]
    home = await (await client.get(f"/i/{pair.invite}")).text()
    assert (
        'data-testid="client-notice" data-kind="nudge">Coachen din vil gjerne høre fra deg' in home
    )
    await log_in(client)
    page = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert 'data-testid="notices-app-only"' in page and 'data-outcome="in-app"' in page


async def test_new_messages_are_batched_into_one_notice_after_a_quiet_delay(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, language="nb")
    engagement = await engagement_of(client, pair)
    await app[NOTICES].set_address(engagement, "kari@example.org")
    sender = app[NOTICE_SENDER]
    await app[MESSAGES].send(engagement, Role.COACH, "batch-message-1", f"{SECRET} one")
    clock.advance(60)
    await app[MESSAGES].send(engagement, Role.COACH, "batch-message-2", f"{SECRET} two")
    clock.advance(QUIET_SECONDS - 120)
    await sender.tick()
    assert smtp_server.inbox.to("kari@example.org") == []
    clock.advance(121)
    await sender.tick()
    await sender.tick()
    (mail,) = smtp_server.inbox.to("kari@example.org")
    assert mail["Subject"] == "Du har fått en ny melding fra coachen din"
    assert SECRET not in mail.as_string() and f"/i/{pair.invite}" in body(mail)

    # the client reads them; the next message starts a new batch, one read before it is due
    await app[MESSAGES].mark_read(engagement, Role.CLIENT, 2)
    await app[MESSAGES].send(engagement, Role.COACH, "batch-message-3", "three")
    await sender.tick()
    await app[MESSAGES].mark_read(engagement, Role.CLIENT, 3)
    clock.advance(QUIET_SECONDS + 1)
    await sender.tick()
    assert len(smtp_server.inbox.to("kari@example.org")) == 1
    await app[MESSAGES].send(engagement, Role.COACH, "batch-message-4", "four")
    await app[MESSAGES].send(engagement, Role.CLIENT, "batch-message-5", "a reply")  # not to her
    clock.advance(QUIET_SECONDS + 1)
    await sender.tick()
    assert len(smtp_server.inbox.to("kari@example.org")) == 2
    log = await app[NOTICES].log(engagement)
    kinds = [(e.kind, e.outcome) for e in log if not e.kind.to_coach]  # the reply: the coach's
    assert kinds == [(NoticeKind.MESSAGE, Outcome.SENT)] * 2
