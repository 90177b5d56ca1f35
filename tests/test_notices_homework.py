"""Homework-due notices (issue 15) through a real SMTP server with an injected clock: the
client gets one content-free e-mail at 09:00 (the coach's zone) the day before homework is
due, once even with two apps ticking on one store, in their language; homework due at the
next session is due on that session's day; ticked-off or coach-owned homework and
opted-out clients get none; the engagement page logs it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rooms.models import Engagement, Role
from rooms.notice_service import HOMEWORK_HOUR
from rooms.notices import NoticeKind, Outcome
from rooms.sessions import SessionKind
from rooms.sessions.schedule import SessionDraft
from server.config import Settings
from server.keys import BOARDS, NOTICE_SENDER, NOTICES, SESSIONS, STORE
from tests.helpers import FakeClock, make_pair
from tests.smtp_server import SmtpServer, body
from tests.test_notices import log_in

SECRET = "Lekse-hemmelig-91c2"
DAY = 86400.0


@pytest.fixture
def settings(data_dir: Path, smtp_server: SmtpServer) -> Settings:
    return Settings(data_dir=data_dir, smtp_url=smtp_server.url, notice_check_seconds=3600)


async def homework(
    client: TestClient, engagement: Engagement, ident: str, due: str, owner: str = "client"
) -> None:
    op = {
        "type": "add",
        "collection": "homework",
        "id": ident,
        "fields": {"text": f"{SECRET} {ident}", "due": due, "owner": owner},
    }
    await client.app[BOARDS].apply(engagement, Role.COACH, f"op-{ident}", op)


async def notice_time(client: TestClient, engagement: Engagement, day: dt.date) -> float:
    """09:00 the day before `day`, in the coach's zone."""
    local = await client.app[NOTICES].zone_of(engagement)
    before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(HOMEWORK_HOUR), local)
    return before.timestamp()


async def test_one_notice_the_day_before_homework_is_due_without_its_text(
    client: TestClient, make_client: Any, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    other_process = await make_client()
    pair = await make_pair(app, language="sv")
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await app[NOTICES].set_address(engagement, "alva@example.org")
    local = await app[NOTICES].zone_of(engagement)
    due = dt.datetime.fromtimestamp(clock.now, local).date() + dt.timedelta(days=4)
    await homework(client, engagement, "hw-dated-1", due.isoformat())
    await homework(client, engagement, "hw-dated-2", due.isoformat())  # the same day: one notice
    await homework(
        client, engagement, "hw-coach-1", (due + dt.timedelta(days=1)).isoformat(), "coach"
    )
    at = await notice_time(client, engagement, due)
    senders = [app[NOTICE_SENDER], other_process.app[NOTICE_SENDER]]

    clock.now = at - 60
    for sender in senders:
        await sender.tick()
    assert smtp_server.inbox.to("alva@example.org") == []
    clock.now = at + 5
    for sender in senders * 2:
        await sender.tick()
    (mail,) = smtp_server.inbox.to("alva@example.org")
    assert mail["Subject"] == "Påminnelse: du har hemuppgifter som ska vara klara i morgon"
    assert f"/i/{pair.invite}" in body(mail) and "/u/" in body(mail)
    assert SECRET not in mail.as_string() and "hw-dated" not in mail.as_string()
    assert [(e.kind, e.outcome) for e in await app[NOTICES].log(engagement)] == [
        (NoticeKind.HOMEWORK, Outcome.SENT)
    ]
    clock.now = at + DAY  # the coach's own homework is due tomorrow now: not the client's
    for sender in senders:
        await sender.tick()
    assert len(smtp_server.inbox.to("alva@example.org")) == 1

    await log_in(client)
    page = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert 'data-kind="homework" data-outcome="sent"' in page
    assert "Homework due tomorrow" in page


async def test_next_session_homework_is_due_on_the_session_day_and_done_homework_is_quiet(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, language="nb")
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await app[NOTICES].set_address(engagement, "kari@example.org")
    start = clock.now + 6 * DAY
    await app[SESSIONS].plan(engagement, SessionDraft(start, 60, SessionKind.VIDEO))
    await homework(client, engagement, "hw-next-1", "next-session")
    local = await app[NOTICES].zone_of(engagement)
    session_day = dt.datetime.fromtimestamp(start, local).date()
    at = await notice_time(client, engagement, session_day)
    sender = app[NOTICE_SENDER]

    clock.now = at - 60
    await sender.tick()
    clock.now = at + 5
    await sender.tick()
    homework_mails = [
        m for m in smtp_server.inbox.to("kari@example.org") if "hjemmeoppgaver" in m["Subject"]
    ]
    (mail,) = homework_mails
    assert mail["Subject"] == "Påminnelse: du har hjemmeoppgaver som skal være ferdige i morgen"
    assert SECRET not in mail.as_string()

    # ticked off before its notice: nothing; an opted-out client: logged, not sent
    later = session_day + dt.timedelta(days=10)
    await homework(client, engagement, "hw-later-1", later.isoformat())
    tick = {"type": "tick", "id": "hw-later-1", "done": True}
    await app[BOARDS].apply(engagement, Role.CLIENT, "op-tick-later", tick)
    clock.now = await notice_time(client, engagement, later) + 5
    await sender.tick()
    await homework(client, engagement, "hw-last-1", (later + dt.timedelta(days=5)).isoformat())
    contact = await app[NOTICES].contact(engagement)
    assert contact is not None
    assert await app[NOTICES].opt_out(contact.token)
    clock.now = await notice_time(client, engagement, later + dt.timedelta(days=5)) + 5
    await sender.tick()
    homework_mails = [
        m for m in smtp_server.inbox.to("kari@example.org") if "hjemmeoppgaver" in m["Subject"]
    ]
    assert len(homework_mails) == 1
    logged = [
        e.outcome for e in await app[NOTICES].log(engagement) if e.kind is NoticeKind.HOMEWORK
    ]
    assert sorted(logged) == sorted([Outcome.SENT, Outcome.OPTED_OUT])
