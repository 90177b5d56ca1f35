"""Bad input on every form gets a clear error and changes nothing (acceptance 6)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from server.keys import ACCOUNTS, STORE
from tests.helpers import PASSWORD, csrf_for, login, make_coach

GOOD = {
    "client_name": "Kari",
    "language": "nb",
    "program_months": "6",
    "session_minutes": "60",
    "cadence": "biweekly",
}


@pytest.fixture
async def coach(client: TestClient) -> TestClient:
    await make_coach(client, "a@example.org")
    await login(client, "a@example.org")
    return client


async def count(client: TestClient) -> int:
    coach = await client.app[STORE].coach_by_email("a@example.org")
    assert coach is not None
    return len(await client.app[STORE].engagements_of(coach.id))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_name", ""),
        ("client_name", "x" * 121),
        ("client_name", "   "),
        ("language", "de"),
        ("program_months", "7"),
        ("program_months", "six"),
        ("program_months", "9" * 50),
        ("session_minutes", "-60"),
        ("cadence", "daily"),
    ],
)
async def test_engagement_form_rejects_bad_fields(
    coach: TestClient, field: str, value: str
) -> None:
    csrf = await csrf_for(coach, "/engagements/new")
    response = await coach.post("/engagements", data={**GOOD, field: value, "csrf": csrf})
    html = await response.text()
    assert response.status == 400
    assert 'data-testid="form-error"' in html
    assert f'id="{field}"' in html
    assert await count(coach) == 0


async def test_engagement_form_rejects_missing_fields_and_keeps_what_was_typed(
    coach: TestClient,
) -> None:
    csrf = await csrf_for(coach, "/engagements/new")
    response = await coach.post("/engagements", data={"language": "nb", "csrf": csrf})
    assert response.status == 400
    assert await count(coach) == 0


async def test_wrong_types_are_rejected(coach: TestClient) -> None:
    csrf = await csrf_for(coach, "/engagements/new")
    without_name = {k: v for k, v in GOOD.items() if k != "client_name"}
    form = aiohttp.FormData({**without_name, "csrf": csrf})
    form.add_field(
        "client_name", b"binary", filename="x.bin", content_type="application/octet-stream"
    )
    response = await coach.post("/engagements", data=form)
    assert response.status == 400
    json_body = await coach.post("/engagements", json={**GOOD, "csrf": csrf})
    assert json_body.status == 400
    assert await count(coach) == 0


async def test_oversized_body_is_refused(coach: TestClient) -> None:
    csrf = await csrf_for(coach, "/engagements/new")
    response = await coach.post("/engagements", data={**GOOD, "csrf": csrf, "pad": "x" * 300_000})
    assert response.status == 413
    assert await count(coach) == 0


async def test_missing_or_wrong_csrf_is_refused(coach: TestClient) -> None:
    assert (await coach.post("/engagements", data=GOOD)).status == 403
    assert (await coach.post("/engagements", data={**GOOD, "csrf": "forged"})).status == 403
    assert await count(coach) == 0


async def test_foreign_origin_is_refused(coach: TestClient) -> None:
    csrf = await csrf_for(coach, "/engagements/new")
    response = await coach.post(
        "/engagements", data={**GOOD, "csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert response.status == 403
    assert await count(coach) == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "a@example.org"},
        {"password": PASSWORD},
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "a@example.org", "password": "x" * 10_000},
        {"email": "a" * 300 + "@example.org", "password": PASSWORD},
    ],
)
async def test_login_form_rejects_bad_input(client: TestClient, data: dict[str, str]) -> None:
    await make_coach(client, "a@example.org")
    csrf = await csrf_for(client, "/login")
    response = await client.post("/login", data={**data, "csrf": csrf}, allow_redirects=False)
    assert response.status in (400, 401)
    assert 'data-testid="login-error"' in await response.text()
    assert "tandem_session" not in response.cookies


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "nope"),
        ("display_name", ""),
        ("display_name", "n" * 121),
        ("password", "short"),
        ("password", "p" * 257),
    ],
)
async def test_setup_form_rejects_bad_input(client: TestClient, field: str, value: str) -> None:
    token = await client.app[ACCOUNTS].issue_setup_link()
    csrf = await csrf_for(client, f"/setup/{token}")
    data = {"email": "new@example.org", "display_name": "New", "password": PASSWORD, field: value}
    response = await client.post(f"/setup/{token}", data={**data, "csrf": csrf})
    assert response.status == 400
    assert 'data-testid="setup-error"' in await response.text()
    assert await client.app[STORE].count_coaches() == 0


async def test_rotate_and_revoke_need_csrf(coach: TestClient) -> None:
    csrf = await csrf_for(coach, "/engagements/new")
    response = await coach.post("/engagements", data={**GOOD, "csrf": csrf}, allow_redirects=False)
    engagement_id = response.headers["Location"].rsplit("/", 1)[1]
    before = await coach.app[STORE].engagement(engagement_id)
    for action in ("rotate", "revoke"):
        refused = await coach.post(f"/engagements/{engagement_id}/invite/{action}", data={})
        assert refused.status == 403
    assert await coach.app[STORE].engagement(engagement_id) == before
