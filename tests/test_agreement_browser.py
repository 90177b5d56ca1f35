"""The agreement between two headless Chromium contexts (issue 14, acceptance 1): the coach
edits the nb template, the client accepts version 1, the coach changes a sentence, the
client's page asks for version 2, and both exports show the accepted version and time."""

from __future__ import annotations

import json
import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from rooms.accounts import SESSION_COOKIE
from rooms.readable import moment
from server.keys import AGREEMENTS, STORE
from tests.browser import ContextFactory, screenshot
from tests.helpers import make_pair

pytestmark = [pytest.mark.browser]
WAIT = 20_000
GOAL_LINE = "- Få en fast jobb innen logistikk"


async def test_the_client_accepts_a_numbered_version_and_a_change_asks_again(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app, client="Kari", language="nb")
    coach_context = await contexts({SESSION_COOKIE: pair.coach_cookie})
    client_context = await contexts(locale="nb-NO")
    coach, client = await coach_context.new_page(), await client_context.new_page()

    # The coach starts from the Norwegian template and edits it.
    await coach.goto(f"/engagements/{pair.engagement_id}/agreement")
    text = coach.get_by_test_id("agreement-text")
    template = await text.input_value()
    assert template.startswith("Coachingavtale mellom Kari og Coach")
    assert "Taushetsplikten gjelder også etter at programmet er slutt." in template
    await text.fill(template.replace("- …", GOAL_LINE, 1))
    await coach.get_by_test_id("agreement-submit").click()
    await expect(coach.get_by_test_id("agreement-saved")).to_be_visible(timeout=WAIT)

    # The client reads it on their own page, as text, and accepts version 1.
    await client.goto(f"/i/{pair.invite}/agreement")
    await expect(client.get_by_test_id("agreement-text")).to_contain_text(GOAL_LINE)
    await expect(client.get_by_test_id("agreement-status")).to_contain_text(
        "Avtale: ikke godtatt ennå."
    )
    await client.get_by_test_id("agreement-consent").check()
    await client.get_by_role("button", name="Jeg godtar versjon 1").click()
    await expect(client.get_by_test_id("agreement-accepted")).to_be_visible(timeout=WAIT)
    await expect(client.get_by_test_id("agreement-status")).to_have_attribute("data-version", "1")
    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    accepted = (await server.app[AGREEMENTS].status(engagement)).accepted
    assert accepted is not None and accepted.number == 1 and accepted.accepted_at is not None
    await expect(client.get_by_test_id("agreement-status")).to_contain_text(
        f"Avtale versjon 1, godtatt {moment(accepted.accepted_at, 'nb')}."
    )

    # The coach changes one sentence: that is version 2, which needs accepting again.
    await coach.goto(f"/engagements/{pair.engagement_id}/agreement")
    edited = (await text.input_value()).replace("senest 24 timer før", "senest 48 timer før")
    await text.fill(edited)
    await coach.get_by_test_id("agreement-submit").click()
    await expect(coach.get_by_test_id("agreement-version")).to_have_count(2, timeout=WAIT)
    await client.goto(f"/i/{pair.invite}")
    await expect(client.get_by_test_id("agreement-pending")).to_contain_text(
        "Versjon 2 venter på å bli godtatt."
    )
    await client.get_by_test_id("open-agreement").click()
    await expect(client.get_by_test_id("agreement-text")).to_contain_text("senest 48 timer før")
    await expect(client.get_by_role("button", name="Jeg godtar versjon 2")).to_be_visible()
    await screenshot(client, "agreement-version-2")
    places = ((client, f"/i/{pair.invite}"), (coach, f"/engagements/{pair.engagement_id}"))
    for page, path in places:
        for where in ("/board", "/room"):  # the board and the room say the same
            await page.goto(path + where)
            status = page.get_by_test_id("agreement-status").first
            await expect(status).to_have_attribute("data-version", "1")
            await expect(status).to_have_attribute("data-pending", "2")

    # Both exports show the version in force and when it was accepted.
    client_md = await (await client.request.get(f"/i/{pair.invite}/board/export.md")).text()
    coach_md = await (
        await coach.request.get(f"/engagements/{pair.engagement_id}/board/export.md")
    ).text()
    # "Versjon 1, godtatt …" / "Version 1, accepted on …": the reader's words, the same time
    assert re.search(rf"\b1, [^\n]*{re.escape(moment(accepted.accepted_at, 'nb'))}", client_md)
    assert f"1, accepted on {moment(accepted.accepted_at, 'en')}" in coach_md
    assert "senest 24 timer før" in client_md  # the accepted text, not the pending one
    for path in (f"/i/{pair.invite}", f"/engagements/{pair.engagement_id}"):
        page = client if path.startswith("/i/") else coach
        document = json.loads(await (await page.request.get(f"{path}/board/export.json")).text())
        agreement = document["agreement_document"]
        assert agreement["accepted"]["number"] == 1
        assert agreement["accepted"]["accepted_at"] == accepted.accepted_at
        assert agreement["accepted"]["consent_contact"] is True
        assert agreement["pending"]["number"] == 2
