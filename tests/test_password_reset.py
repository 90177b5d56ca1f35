"""A coach's password reset by e-mail (issue 15), through a real SMTP server (aiosmtpd):
the link comes by mail, works once and for 30 minutes (injected clock), the new password
logs in and ends the coach's other logins (their sockets too), and the request form
answers the same whether or not the account exists, with a throttle. Without SMTP the
page sends the coach to the operator."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from rooms.accounts import SESSION_COOKIE
from server.config import Settings
from signaling.protocol import BOARD_NAMESPACE
from tests.helpers import PASSWORD, FakeClock, csrf_for, eventually, login, make_pair
from tests.smtp_server import SmtpServer, body
from tests.sockets import Recorder

NEW_PASSWORD = "a brand new passphrase 77"
LINK = re.compile(r"(/password-reset/[A-Za-z0-9_-]{20,100})\b")


@pytest.fixture
def settings(data_dir: Path, smtp_server: SmtpServer) -> Settings:
    return Settings(data_dir=data_dir, smtp_url=smtp_server.url, notice_check_seconds=3600)


async def ask_for_link(client: TestClient, email: str) -> tuple[int, str]:
    csrf = await csrf_for(client, "/login")  # the pre-login CSRF cookie's token
    answer = await client.post("/password-reset", data={"email": email, "csrf": csrf})
    return answer.status, await answer.text()


async def mail_to(smtp_server: SmtpServer, address: str, count: int = 1) -> EmailMessage:
    await eventually(lambda: len(smtp_server.inbox.to(address)) >= count)
    return smtp_server.inbox.to(address)[count - 1]


def link_in(mail: EmailMessage) -> str:
    found = LINK.search(body(mail))
    assert found, body(mail)
    return found.group(1)


async def set_password(client: TestClient, link: str, password: str) -> tuple[int, str]:
    csrf = await csrf_for(client, "/login")
    answer = await client.post(
        link, data={"password": password, "csrf": csrf}, allow_redirects=False
    )
    return answer.status, answer.headers.get("Location", "") or await answer.text()


async def test_the_mailed_link_sets_a_new_password_once_and_ends_other_logins(
    client: TestClient, smtp_server: SmtpServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(client.app)
    other_login = Recorder(BOARD_NAMESPACE)
    recorders.append(other_login)
    url = str(client.server.make_url(""))
    await other_login.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)

    login_page = await (await client.get("/login")).text()
    assert 'href="/password-reset"' in login_page
    status, page = await ask_for_link(client, "Coach@Example.org")
    assert status == 200 and 'data-testid="reset-sent"' in page
    mail = await mail_to(smtp_server, "coach@example.org")
    assert mail["Subject"] == "Reset your Tandem password"
    link = link_in(mail)
    assert body(mail).count("http://") == 1  # the link, and nothing else to follow

    form = await client.get(link)
    assert form.status == 200 and 'data-testid="reset-new-form"' in await form.text()
    status, page = await set_password(client, link, "short")
    assert status == 400 and 'data-testid="reset-error"' in page  # and the link still works
    status, location = await set_password(client, link, NEW_PASSWORD)
    assert (status, location) == (303, "/login?reset=done")
    done = await client.get(location)
    assert 'data-testid="login-reset-done"' in await done.text()

    await other_login.next("disconnect")
    assert await other_login.next("revoked") == {"reason": "password-changed"}
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: pair.coach_cookie})
    stale = await client.get("/dashboard", allow_redirects=False)
    assert stale.status == 303 and stale.headers["Location"].startswith("/login")
    client.session.cookie_jar.clear()

    assert await login(client, "coach@example.org", PASSWORD) == 401
    assert await login(client, "coach@example.org", NEW_PASSWORD) == 303

    client.session.cookie_jar.clear()
    again = await client.get(link)
    assert again.status == 403
    assert "expired or was already used" in await again.text()
    status, page = await set_password(client, link, "yet another passphrase 99")
    assert status == 403 and "expired or was already used" in page
    assert await login(client, "coach@example.org", NEW_PASSWORD) == 303


async def test_an_expired_link_fails_and_the_mail_is_in_the_page_s_language(
    client: TestClient, smtp_server: SmtpServer, clock: FakeClock
) -> None:
    await make_pair(client.app)
    client.session.cookie_jar.update_cookies({"tandem_lang": "nb"})
    await ask_for_link(client, "coach@example.org")
    mail = await mail_to(smtp_server, "coach@example.org")
    assert mail["Subject"] == "Tilbakestill passordet ditt i Tandem"
    assert "innen 30 minutter" in body(mail)
    link = link_in(mail)
    clock.advance(30 * 60 + 1)
    assert (await client.get(link)).status == 403
    status, page = await set_password(client, link, NEW_PASSWORD)
    assert status == 403 and "utløpt eller allerede brukt" in page
    assert await login(client, "coach@example.org", PASSWORD) == 303


async def test_the_answer_is_the_same_for_an_unknown_address_and_both_are_throttled(
    client: TestClient, smtp_server: SmtpServer
) -> None:
    await make_pair(client.app)
    csrf = re.compile(r'name="csrf" value="[^"]*"')
    status, unknown = await ask_for_link(client, "nobody@example.org")
    status_known, known = await ask_for_link(client, "coach@example.org")
    assert status == status_known == 200
    assert csrf.sub("", unknown) == csrf.sub("", known)
    await mail_to(smtp_server, "coach@example.org")
    assert smtp_server.inbox.to("nobody@example.org") == []

    for address in ("nobody@example.org", "coach@example.org"):
        answers = [await ask_for_link(client, address) for _ in range(3)]
        assert [status for status, _ in answers] == [200, 200, 429]  # 3 an hour per address
        assert 'data-testid="reset-throttled"' in answers[-1][1]
    await eventually(lambda: len(smtp_server.inbox.to("coach@example.org")) == 3)
    assert smtp_server.inbox.to("nobody@example.org") == []

    status, page = await ask_for_link(client, "not an address")
    assert status == 400 and 'data-testid="reset-error"' in page


async def test_without_smtp_the_page_sends_the_coach_to_the_operator(
    make_client: object, data_dir: Path
) -> None:
    assert callable(make_client)
    client = await make_client(smtp_url="")
    await make_pair(client.app)
    page = await client.get("/password-reset")
    html = await page.text()
    assert page.status == 200 and 'data-testid="reset-no-mail"' in html
    assert "tandem coach reset-password" in html
    status, answer = await ask_for_link(client, "coach@example.org")
    assert status == 409 and 'data-testid="reset-no-mail"' in answer
