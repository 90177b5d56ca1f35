"""Coach accounts: setup links, login, throttling, logout (acceptance 2; issue 12: 5)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from rooms.throttle import LOGIN_PER_ACCOUNT_AND_ADDRESS, LOGIN_PER_ADDRESS
from server.keys import ACCOUNTS, STORE
from tests.conftest import ClientFactory
from tests.helpers import PASSWORD, FakeClock, csrf_for, login, make_coach


async def test_first_run_link_creates_the_first_coach_and_logs_them_in(client: TestClient) -> None:
    token = await client.app[ACCOUNTS].issue_setup_link()
    page = f"/setup/{token}"
    csrf = await csrf_for(client, page)
    response = await client.post(
        page,
        data={
            "email": "first@example.org",
            "display_name": "Ada",
            "password": PASSWORD,
            "csrf": csrf,
        },
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard"
    dashboard = await client.get("/dashboard")
    assert 'data-testid="dashboard"' in await dashboard.text()
    assert await client.app[STORE].count_coaches() == 1


async def test_a_setup_link_works_once(client: TestClient) -> None:
    token = await client.app[ACCOUNTS].issue_setup_link()
    csrf = await csrf_for(client, f"/setup/{token}")
    data = {"email": "one@example.org", "display_name": "One", "password": PASSWORD, "csrf": csrf}
    assert (await client.post(f"/setup/{token}", data=data, allow_redirects=False)).status == 303
    again = await client.get(f"/setup/{token}")
    assert again.status == 403
    data["email"] = "two@example.org"
    second = await client.post(f"/setup/{token}", data=data, allow_redirects=False)
    assert second.status == 403
    assert await client.app[STORE].count_coaches() == 1


async def test_a_typo_in_setup_does_not_burn_the_link(client: TestClient) -> None:
    token = await client.app[ACCOUNTS].issue_setup_link()
    csrf = await csrf_for(client, f"/setup/{token}")
    bad = {"email": "x@example.org", "display_name": "X", "password": "short", "csrf": csrf}
    response = await client.post(f"/setup/{token}", data=bad)
    assert response.status == 400
    assert 'data-testid="setup-error"' in await response.text()
    assert (await client.get(f"/setup/{token}")).status == 200


async def test_login_and_logout(client: TestClient) -> None:
    await make_coach(client, "coach@example.org")
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303
    assert await login(client, "Coach@Example.org") == 303
    assert (await client.get("/dashboard")).status == 200
    session_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[
        "tandem_session"
    ]

    csrf = await csrf_for(client, "/dashboard")
    response = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303
    # The old cookie is dead on the server too, not just deleted in this browser.
    client.session.cookie_jar.update_cookies({"tandem_session": session_cookie.value})
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_wrong_password_fails_with_a_message(client: TestClient) -> None:
    await make_coach(client, "coach@example.org")
    csrf = await csrf_for(client, "/login")
    response = await client.post(
        "/login", data={"email": "coach@example.org", "password": "wrong-password", "csrf": csrf}
    )
    assert response.status == 401
    html = await response.text()
    assert 'data-testid="login-error"' in html
    assert "tandem_session" not in response.cookies


async def test_unknown_email_fails_like_a_wrong_password(client: TestClient) -> None:
    assert await login(client, "nobody@example.org") == 401


async def test_ten_rapid_failures_are_throttled_even_for_the_right_password(
    client: TestClient, clock: FakeClock
) -> None:
    await make_coach(client, "coach@example.org")
    statuses = [await login(client, "coach@example.org", "wrong-password") for _ in range(10)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 5
    assert await login(client, "coach@example.org") == 429
    clock.advance(16 * 60)
    assert await login(client, "coach@example.org") == 303


async def login_from(
    client: TestClient, address: str, email: str, password: str = PASSWORD
) -> tuple[int, str]:
    """A login from `address` as our proxy reports it (X-Forwarded-For, trusted)."""
    token = await csrf_for(client, "/login")
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "csrf": token},
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
    )
    client.session.cookie_jar.clear(lambda morsel: morsel.key == "tandem_session")
    return response.status, response.headers.get("Retry-After", "")


async def test_failures_from_one_address_do_not_lock_the_owner_out(
    make_client: ClientFactory, clock: FakeClock
) -> None:
    """Acceptance 5: 20 failed logins on one account from A (backing off as they go);
    the owner, from B, logs in at once with the right password. A stays throttled."""
    client = await make_client(trust_proxy=True)
    await make_coach(client, "coach@example.org")
    attacker, owner = "203.0.113.66", "198.51.100.7"
    failures, waits = 0, []
    while failures < 20:
        status, retry_after = await login_from(client, attacker, "coach@example.org", "wrong!")
        if status == 429:
            waits.append(float(retry_after))
            clock.advance(float(retry_after) + 1)
        else:
            assert status == 401
            failures += 1
    minute, quarter, hour = (step.window for step in LOGIN_PER_ACCOUNT_AND_ADDRESS)
    assert waits == [minute, quarter, minute], "each step makes the next wait longer"
    status, retry_after = await login_from(client, attacker, "coach@example.org")
    assert (status, float(retry_after)) == (429, hour), "the right password does not help A"
    assert (await login_from(client, owner, "coach@example.org"))[0] == 303


async def test_one_address_spraying_many_accounts_is_slowed_alone(
    make_client: ClientFactory,
) -> None:
    client = await make_client(trust_proxy=True)
    emails = [f"coach{n}@example.org" for n in range(LOGIN_PER_ADDRESS[0].failures + 1)]
    for email in emails:
        await make_coach(client, email)
    sprayer = "203.0.113.67"
    for email in emails[:-1]:
        assert (await login_from(client, sprayer, email, "Summer2026!"))[0] == 401
    assert (await login_from(client, sprayer, emails[-1], "Summer2026!"))[0] == 429
    assert (await login_from(client, sprayer, emails[-1]))[0] == 429, "not even the right one"
    assert (await login_from(client, "198.51.100.8", emails[-1]))[0] == 303


async def test_session_expires(client: TestClient, clock: FakeClock) -> None:
    await make_coach(client, "coach@example.org")
    await login(client, "coach@example.org")
    assert (await client.get("/dashboard", allow_redirects=False)).status == 200
    clock.advance(13 * 3600)
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    await make_coach(client, "coach@example.org")
    csrf = await csrf_for(client, "/login")
    response = await client.post(
        "/login",
        data={"email": "coach@example.org", "password": PASSWORD, "csrf": csrf},
        allow_redirects=False,
    )
    header = next(h for h in response.headers.getall("Set-Cookie") if "tandem_session" in h)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


async def test_login_redirects_only_to_local_paths(client: TestClient) -> None:
    await make_coach(client, "coach@example.org")
    csrf = await csrf_for(client, "/login")
    response = await client.post(
        "/login",
        data={
            "email": "coach@example.org",
            "password": PASSWORD,
            "csrf": csrf,
            "next": "//evil.example/",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/dashboard"
