"""Engagements: creation, isolation between coaches, invite links (acceptance 3, 4)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from server.keys import STORE
from tests.conftest import ClientFactory
from tests.helpers import csrf_for, login, make_coach, post_form

NEW = {
    "client_name": "Kari Nordmann",
    "language": "nb",
    "program_months": "6",
    "session_minutes": "90",
    "cadence": "biweekly",
}


async def create_engagement(client: TestClient, **fields: str) -> str:
    status, location = await post_form(
        client, "/engagements/new", "/engagements", {**NEW, **fields}
    )
    assert status == 303, location
    return location.rsplit("/", 1)[1]


async def invite_path(client: TestClient, engagement_id: str) -> str:
    html = await (await client.get(f"/engagements/{engagement_id}")).text()
    urls = re.findall(r'value="https?://[^/"]+(/i/[^"]+)" data-testid="invite-link"', html)
    assert urls, "no invite link on the page"
    return str(urls[0])


async def test_coach_creates_an_engagement_and_sees_it(client: TestClient) -> None:
    await make_coach(client, "a@example.org")
    await login(client, "a@example.org")
    engagement_id = await create_engagement(client)
    dashboard = await (await client.get("/dashboard")).text()
    assert "Kari Nordmann" in dashboard
    assert f'data-engagement-id="{engagement_id}"' in dashboard
    detail = await (await client.get(f"/engagements/{engagement_id}")).text()
    assert 'data-testid="invite-link"' in detail
    engagement = await client.app[STORE].engagement(engagement_id)
    assert engagement is not None
    assert engagement.session_minutes == 90
    assert engagement.planned_sessions == 12


async def test_invite_tokens_are_long_and_random(client: TestClient) -> None:
    await make_coach(client, "a@example.org")
    await login(client, "a@example.org")
    ids = [await create_engagement(client) for _ in range(3)]
    tokens = {(await client.app[STORE].engagement(i)).invite_token for i in ids}  # type: ignore[union-attr]
    assert len(tokens) == 3
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes = 256 bits, base64url


async def test_coach_b_cannot_see_or_touch_coach_a_engagements(
    make_client: ClientFactory,
) -> None:
    alice = await make_client()
    await make_coach(alice, "alice@example.org")
    await make_coach(alice, "bob@example.org")
    await login(alice, "alice@example.org")
    engagement_id = await create_engagement(alice, client_name="Alice's client")
    invite_before = (await alice.app[STORE].engagement(engagement_id)).invite_token  # type: ignore[union-attr]

    bob = await make_client()
    await login(bob, "bob@example.org")
    assert "Alice&#39;s client" not in await (await bob.get("/dashboard")).text()
    assert (await bob.get(f"/engagements/{engagement_id}")).status == 404
    for action in ("rotate", "revoke"):
        csrf = await csrf_for(bob, "/dashboard")
        response = await bob.post(
            f"/engagements/{engagement_id}/invite/{action}",
            data={"csrf": csrf},
            allow_redirects=False,
        )
        assert response.status == 404
    after = await alice.app[STORE].engagement(engagement_id)
    assert after is not None and after.invite_token == invite_before
    assert after.invite_state.value == "active"


async def test_invite_link_opens_the_client_home_without_an_account(
    make_client: ClientFactory,
) -> None:
    coach = await make_client()
    await make_coach(coach, "a@example.org", name="Ada Coach")
    await login(coach, "a@example.org")
    engagement_id = await create_engagement(coach)
    path = await invite_path(coach, engagement_id)

    visitor = await make_client()
    response = await visitor.get(path)
    html = await response.text()
    assert response.status == 200
    assert 'data-testid="client-home"' in html
    assert "Ada Coach" in html
    assert 'lang="nb"' in html  # the engagement's language


async def test_rotation_revokes_the_old_link_and_the_new_one_works(
    make_client: ClientFactory,
) -> None:
    coach = await make_client()
    await make_coach(coach, "a@example.org")
    await login(coach, "a@example.org")
    engagement_id = await create_engagement(coach)
    old = await invite_path(coach, engagement_id)
    status, _ = await post_form(
        coach, f"/engagements/{engagement_id}", f"/engagements/{engagement_id}/invite/rotate", {}
    )
    assert status == 303
    new = await invite_path(coach, engagement_id)
    assert new != old

    visitor = await make_client()
    revoked = await visitor.get(old)
    assert revoked.status == 410
    assert 'data-testid="invite-revoked-page"' in await revoked.text()
    assert (await visitor.get(new)).status == 200


async def test_revoking_switches_the_current_link_off(make_client: ClientFactory) -> None:
    coach = await make_client()
    await make_coach(coach, "a@example.org")
    await login(coach, "a@example.org")
    engagement_id = await create_engagement(coach)
    link = await invite_path(coach, engagement_id)
    await post_form(
        coach, f"/engagements/{engagement_id}", f"/engagements/{engagement_id}/invite/revoke", {}
    )
    detail = await (await coach.get(f"/engagements/{engagement_id}")).text()
    assert 'data-testid="invite-revoked"' in detail
    visitor = await make_client()
    assert (await visitor.get(link)).status == 410


async def test_unknown_invite_shows_a_friendly_page(client: TestClient) -> None:
    response = await client.get("/i/" + "x" * 43)
    assert response.status == 404
    assert 'data-testid="invite-unknown-page"' in await response.text()
