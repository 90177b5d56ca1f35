"""The tech-check pages and the coach's view of results over plain HTTP: who may open
which page, the client's language, and what the coach sees (issue 6, acceptance 6)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from rooms.accounts import SESSION_COOKIE
from rooms.engagements import EngagementDraft
from rooms.models import Role
from rooms.techcheck import make_report, parse_submission
from server.keys import ENGAGEMENTS, STORE
from tests.helpers import Pair, make_pair

STEPS = ("browser", "camera", "microphone", "speakers", "network")


async def save(client: TestClient, engagement_id: str, browser: str, **steps: str) -> None:
    submission = parse_submission(
        {
            "browser": browser,
            "steps": {step: steps.get(step, "pass") for step in STEPS},
            "network": {"rtt_ms": 42, "packet_loss_pct": 0.5, "ice_path": "relay"},
        }
    )
    report = make_report(engagement_id, Role.CLIENT, 1_800_000_000.0, submission)
    await client.app[STORE].save_techcheck(report)


def login_as(client: TestClient, pair: Pair) -> None:
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: pair.coach_cookie})


async def test_client_page_is_in_the_engagement_language_and_has_no_inline_script(
    client: TestClient,
) -> None:
    pair = await make_pair(client.app)
    home = await (await client.get(f"/i/{pair.invite}")).text()
    assert f'href="/i/{pair.invite}/check"' in home

    nb = await client.app[ENGAGEMENTS].create(
        (await client.app[STORE].coach_by_email("coach@example.org")).id,  # type: ignore[union-attr]
        EngagementDraft.parse({"client_name": "Kari", "language": "nb"}),
    )
    response = await client.get(f"/i/{nb.invite_token}/check")
    html = await response.text()
    assert response.status == 200
    assert 'lang="nb"' in html and "Sjekk kamera, lyd og tilkobling" in html
    assert "<script>" not in html and 'src="/static/js/techcheck.js"' in html
    assert f'href="/i/{nb.invite_token}/room?practice=1"' in html
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert 'data-engagement=""' in html  # the client's socket authenticates by its invite


async def test_unknown_and_revoked_links_do_not_open_the_check(client: TestClient) -> None:
    pair = await make_pair(client.app)
    assert (await client.get("/i/not-a-real-token-but-long-enough/check")).status == 404
    await client.app[ENGAGEMENTS].revoke_invite(
        (await client.app[STORE].engagement(pair.engagement_id)).coach_id,  # type: ignore[union-attr]
        pair.engagement_id,
    )
    assert (await client.get(f"/i/{pair.invite}/check")).status == 410


async def test_coach_sees_the_latest_client_result_of_own_engagements_only(
    client: TestClient,
) -> None:
    mine = await make_pair(client.app)
    theirs = await make_pair(client.app, email="other@example.org", client="Ola")
    login_as(client, mine)

    page = await (await client.get(f"/engagements/{mine.engagement_id}")).text()
    assert 'data-testid="techcheck-none"' in page
    dashboard = await (await client.get("/dashboard")).text()
    assert 'data-testid="engagement-techcheck"' in dashboard and "Not yet" in dashboard

    await save(client, mine.engagement_id, "Firefox 121", camera="fail")
    await save(client, mine.engagement_id, "Chrome 120", microphone="attention")
    await save(client, theirs.engagement_id, "Secret Browser 1", speakers="fail")

    page = await (await client.get(f"/engagements/{mine.engagement_id}")).text()
    badge = re.search(r'data-readiness="([^"]+)" data-testid="techcheck-readiness"', page)
    assert badge and badge.group(1) == "ready-with-advice"
    card = page[page.index('data-testid="techcheck-card"') : page.index('id="connections"')]
    assert "Chrome 120" in card and "Firefox 121" not in card  # the card: the latest only
    history = page[page.index('data-testid="techcheck-history"') :]
    assert "Chrome 120" in history and "Firefox 121" in history  # the history: every one
    assert "Secret Browser" not in page
    assert 'data-step="microphone" data-outcome="attention"' in page
    assert "Round trip 42.0 ms" in page and "Relayed by our server (TURN)" in page
    dashboard = await (await client.get("/dashboard")).text()
    assert "Chrome 120" in dashboard and "Secret Browser" not in dashboard

    assert (await client.get(f"/engagements/{theirs.engagement_id}/check")).status == 404
    assert (await client.get(f"/engagements/{theirs.engagement_id}")).status == 404
    own = await client.get(f"/engagements/{mine.engagement_id}/check")
    assert own.status == 200
    assert f'data-engagement="{mine.engagement_id}"' in await own.text()


async def test_coach_check_page_needs_a_login(client: TestClient) -> None:
    pair = await make_pair(client.app)
    response = await client.get(f"/engagements/{pair.engagement_id}/check", allow_redirects=False)
    assert response.status in (302, 303, 401)
