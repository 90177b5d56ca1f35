"""The goal board in two headless Chromium contexts (issue 4, acceptance 5 and 6)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from rooms.accounts import SESSION_COOKIE
from tests.browser import ContextFactory, screenshot
from tests.helpers import make_pair

pytestmark = [pytest.mark.browser]
WAIT = 20_000
SCRIPT = "<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"


async def test_edits_appear_live_and_ticks_reach_the_dashboard(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach = await (await contexts({SESSION_COOKIE: pair.coach_cookie})).new_page()
    client = await (await contexts(locale="nb-NO")).new_page()
    await coach.goto(f"/engagements/{pair.engagement_id}/board")
    await client.goto(f"/i/{pair.invite}/board")
    for page in (coach, client):
        await expect(page.get_by_test_id("board-status")).to_have_attribute(
            "data-state", "live", timeout=WAIT
        )

    # coach -> client, no reload
    await coach.get_by_test_id("goal-add-title").fill("Find a job in logistics")
    await coach.get_by_test_id("goal-add").click()
    await expect(client.get_by_test_id("goal-title")).to_have_value(
        "Find a job in logistics", timeout=WAIT
    )
    await coach.get_by_test_id("homework-add-text").fill("Call two employers")
    await coach.get_by_test_id("homework-add").click()
    await expect(client.get_by_test_id("homework-text")).to_have_value(
        "Call two employers", timeout=WAIT
    )

    # client -> coach: a note with markup is shown as text, and nothing runs
    await client.get_by_test_id("note-add-text").fill(SCRIPT)
    await client.get_by_test_id("note-add").click()
    await expect(coach.get_by_test_id("note-text")).to_have_text(SCRIPT, timeout=WAIT)
    assert await coach.evaluate("window.pwned") is None
    assert await client.evaluate("window.pwned") is None
    await expect(coach.get_by_test_id("board-presence")).to_have_attribute(
        "data-other", "editing", timeout=WAIT
    )

    # the client ticks homework between sessions; the coach's dashboard shows it
    await client.get_by_test_id("homework-done").check()
    await expect(coach.get_by_test_id("homework-done")).to_be_checked(timeout=WAIT)
    await screenshot(client, "board-client")
    await coach.goto("/dashboard")
    row = coach.get_by_test_id("engagement-homework")
    await expect(row).to_have_attribute("data-done", "1", timeout=WAIT)
    await expect(row).to_contain_text("1 of 1 done")
