"""The timer panel in two headless Chromium contexts (issue 5, acceptance 4).

The server runs on the FakeClock: the test moves server time past the end of the first
phase, and the coach's pause then shows both pages a state five minutes on, so the
phase warning appears without anyone waiting five minutes.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect

from rooms.accounts import SESSION_COOKIE
from tests.browser import ContextFactory, screenshot
from tests.helpers import FakeClock, make_pair

pytestmark = [pytest.mark.browser]
WAIT = 20_000


async def status_is(page: Page, status: str) -> None:
    await expect(page.get_by_test_id("timer")).to_have_attribute(
        "data-status", status, timeout=WAIT
    )


async def test_the_client_follows_the_coach_and_both_see_the_phase_warning(
    contexts: ContextFactory, server: TestServer, clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    coach = await (await contexts({SESSION_COOKIE: pair.coach_cookie})).new_page()
    client = await (await contexts()).new_page()
    await coach.goto(f"/engagements/{pair.engagement_id}/room")
    await client.goto(f"/i/{pair.invite}/room")

    start = coach.get_by_test_id("timer-start")
    await expect(start).to_be_enabled(timeout=WAIT)
    await expect(client.get_by_test_id("timer-remaining")).to_have_text("60:00", timeout=WAIT)
    assert await client.get_by_test_id("timer-controls").count() == 0
    assert await client.get_by_test_id("timer-start").count() == 0

    await start.focus()
    await coach.keyboard.press("Enter")  # the controls work from the keyboard
    await status_is(client, "running")
    await expect(client.get_by_test_id("timer-phase")).to_have_text("Check-in")

    clock.advance(5 * 60 + 1)  # server time passes the end of the check-in
    await coach.get_by_test_id("timer-pause").click()
    for page in (coach, client):
        await status_is(page, "paused")
        await expect(page.get_by_test_id("timer-remaining")).to_have_text("54:59", timeout=WAIT)
        await expect(page.get_by_test_id("timer-phase")).to_have_text("Review homework")
        warning = page.get_by_test_id("timer-warning")
        await expect(warning).to_be_visible(timeout=WAIT)
        await expect(warning).to_have_attribute("data-kind", "phase-ended")
        await expect(warning).to_contain_text("Check-in")
    await screenshot(client, "timer-client-warning")

    await coach.get_by_test_id("timer-resume").click()
    await status_is(client, "running")
    await coach.get_by_test_id("timer-end").click()
    for page in (coach, client):
        await status_is(page, "ended")
        await expect(page.get_by_test_id("timer-ended")).to_be_visible(timeout=WAIT)
    assert await coach.get_by_test_id("timer-board-link").get_attribute("href") == (
        f"/engagements/{pair.engagement_id}/board"
    )
    assert await client.get_by_test_id("timer-board-link").get_attribute("href") == (
        f"/i/{pair.invite}/board"
    )
    await screenshot(coach, "timer-coach-ended")
