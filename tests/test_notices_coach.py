"""Notices to the coach (issue 15) through a real SMTP server with an injected clock: a
client's messages the coach has not read 15 minutes later make one batched, content-free
e-mail to the coach, and the coach gets the session reminders too, all in the coach's
language (their pages' language at login, or as switched), logged on the engagement page.
Without SMTP nothing is sent or logged for the coach, nor shown on the client's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rooms.models import Role
from rooms.notice_service import QUIET_SECONDS
from rooms.notices import NoticeKind, Outcome
from rooms.sessions import SessionKind
from rooms.sessions.schedule import SessionDraft
from server.config import Settings
from server.keys import BOARDS, MESSAGES, NOTICE_SENDER, NOTICES, SESSIONS, STORE
from tests.helpers import PASSWORD, FakeClock, csrf_for, make_pair
from tests.smtp_server import SmtpServer, body

SECRET = "Klient-hemmelig-5e1d"
COACH = "coach@example.org"
DAY = 86400.0


@pytest.fixture
def settings(data_dir: Path, smtp_server: SmtpServer) -> Settings:
    return Settings(data_dir=data_dir, smtp_url=smtp_server.url, notice_check_seconds=3600)


async def log_in_in(client: TestClient, language: str) -> None:
    """The coach logs in through the form from a page in `language`."""
    client.session.cookie_jar.update_cookies({"tandem_lang": language})
    csrf = await csrf_for(client, "/login")
    answer = await client.post(
        "/login", data={"email": COACH, "password": PASSWORD, "csrf": csrf}, allow_redirects=False
    )
    assert answer.status == 303


async def coach_language(client: TestClient) -> str:
    coach = await client.app[STORE].coach_by_email(COACH)
    assert coach is not None
    return coach.language


async def test_the_clients_messages_make_one_batched_e_mail_to_the_coach(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, language="sv")
    await log_in_in(client, "nl")
    assert await coach_language(client) == "nl"
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await app[NOTICES].set_address(engagement, "alva@example.org")
    sender = app[NOTICE_SENDER]
    await app[MESSAGES].send(engagement, Role.CLIENT, "client-message-1", f"{SECRET} one")
    clock.advance(60)
    await app[MESSAGES].send(engagement, Role.CLIENT, "client-message-2", f"{SECRET} two")
    clock.advance(QUIET_SECONDS - 120)
    await sender.tick()
    assert smtp_server.inbox.to(COACH) == []
    clock.advance(121)
    await sender.tick()
    await sender.tick()
    (mail,) = smtp_server.inbox.to(COACH)
    assert mail["Subject"] == "Een cliënt heeft je geschreven in Tandem"
    text = body(mail)
    assert f"/engagements/{pair.engagement_id}" in text and "Kari heeft je geschreven." in text
    assert SECRET not in mail.as_string() and pair.invite not in mail.as_string()
    assert smtp_server.inbox.to("alva@example.org") == []  # the client is not told of her own

    # the coach reads them; the next message is a new batch
    await app[MESSAGES].mark_read(engagement, Role.COACH, 2)
    await app[MESSAGES].send(engagement, Role.CLIENT, "client-message-3", "three")
    clock.advance(QUIET_SECONDS + 1)
    await sender.tick()
    assert len(smtp_server.inbox.to(COACH)) == 2
    log = await app[NOTICES].log(engagement)
    assert [(e.kind, e.outcome) for e in log] == [(NoticeKind.COACH_MESSAGE, Outcome.SENT)] * 2

    page = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert 'data-kind="coach-message" data-outcome="sent"' in page
    assert "Aan jou: nieuw bericht van de cliënt" in page
    home = await (await client.get(f"/i/{pair.invite}")).text()
    assert 'data-kind="coach-message"' not in home
    assert f"/engagements/{pair.engagement_id}#notices" in text  # the way to turn them off

    # the coach turns their e-mails off on the engagement page: logged, not sent
    page_path = f"/engagements/{pair.engagement_id}"
    form = {"csrf": await csrf_for(client, page_path), "engagement": pair.engagement_id}
    off = await client.post(
        "/account/notices", data={**form, "mail_off": "1"}, allow_redirects=False
    )
    assert off.status == 303
    page = await (await client.get(page_path)).text()
    assert 'data-testid="coach-mail-form" data-off="yes"' in page
    await app[MESSAGES].mark_read(engagement, Role.COACH, 3)
    await app[MESSAGES].send(engagement, Role.CLIENT, "client-message-4", "four")
    clock.advance(QUIET_SECONDS + 1)
    await sender.tick()
    assert len(smtp_server.inbox.to(COACH)) == 2
    latest = (await app[NOTICES].log(engagement))[0]
    assert (latest.kind, latest.outcome) == (NoticeKind.COACH_MESSAGE, Outcome.OPTED_OUT)
    page = await (await client.get(page_path)).text()
    assert "Niet verstuurd: door jou uitgezet" in page


async def test_the_coach_gets_the_session_reminders_in_their_language(
    client: TestClient, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    app = client.app
    pair = await make_pair(app, client="Sanne", language="nl")
    await log_in_in(client, "en")
    switched = await client.get("/lang?lang=nb&next=/dashboard", allow_redirects=False)
    assert switched.status == 303
    assert await coach_language(client) == "nb"
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await app[NOTICES].set_address(engagement, "sanne@example.org")
    await app[MESSAGES].send(engagement, Role.COACH, "coach-secret-1", f"{SECRET} message")
    await app[MESSAGES].mark_read(engagement, Role.CLIENT, 1)
    for n, (collection, field) in enumerate(
        (("goals", "title"), ("notes", "text"), ("homework", "text"))
    ):
        op = {"type": "add", "collection": collection, "id": f"secret-{n}", "fields": {}}
        op["fields"] = {field: f"{SECRET} {collection}"}
        if collection == "homework":
            op["fields"]["owner"] = "coach"  # no homework notice to the client here
        await app[BOARDS].apply(engagement, Role.COACH, f"op-secret-{n}", op)
    start = clock.now + 3 * DAY
    await app[SESSIONS].plan(engagement, SessionDraft(start, 60, SessionKind.VIDEO))
    sender = app[NOTICE_SENDER]
    clock.now = start - DAY + 5
    await sender.tick()
    await sender.tick()
    (day_before,) = smtp_server.inbox.to(COACH)
    assert day_before["Subject"] == "Påminnelse: du har en coachingøkt i morgen"
    assert "Økten med Sanne er" in body(day_before)
    assert [a.get_filename() for a in day_before.iter_attachments()] == ["session.ics"]
    assert SECRET not in day_before.as_string()
    assert len(smtp_server.inbox.to("sanne@example.org")) == 1  # hers, separately
    clock.now = start - 3600 + 5
    await sender.tick()
    mails = smtp_server.inbox.to(COACH)
    assert [m["Subject"] for m in mails][1:] == ["Coachingøkten din starter om en time"]
    kinds = sorted(e.kind.value for e in await app[NOTICES].log(engagement))
    assert kinds == sorted(
        ["coach-reminder-24h", "coach-reminder-1h", "reminder-24h", "reminder-1h"]
    )


async def test_without_smtp_the_coach_notices_are_not_logged_or_shown(
    make_client: Any, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    client = await make_client(smtp_url="")
    app = client.app
    pair = await make_pair(app)
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await app[MESSAGES].send(engagement, Role.CLIENT, "client-message-1", "hello")
    clock.advance(QUIET_SECONDS + 1)
    await app[NOTICE_SENDER].tick()
    assert smtp_server.inbox.messages == []
    assert await app[NOTICES].log(engagement) == []
