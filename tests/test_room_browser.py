"""The room in two headless Chromium contexts with fake camera and microphone (issue 3,
acceptance 4, 5 and 6)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page

from rooms.accounts import SESSION_COOKIE
from server.keys import METRICS, STORE
from tests.browser import ContextFactory, screenshot
from tests.helpers import Pair, eventually, make_pair

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

PLAYING = """() => {
  const video = document.querySelector('[data-testid=remote-video]');
  return video.videoWidth > 0 && !video.paused;
}"""
# Negotiations completed so far, and whether the last one settled on a connected call.
STATUS = "document.querySelector('[data-testid=status]').dataset"
NEGOTIATIONS = f"() => Number({STATUS}.negotiations ?? 0)"
SETTLED = f"() => {STATUS}.negotiation === 'stable' && {STATUS}.connection === 'connected'"
FRAMES = "() => Number(document.querySelector('[data-testid=quality]').dataset.framesDecoded || 0)"


async def open_pages(contexts: ContextFactory, pair: Pair) -> tuple[Page, Page]:
    coach = await contexts({SESSION_COOKIE: pair.coach_cookie})
    client = await contexts(locale="nb-NO")
    coach_page, client_page = await coach.new_page(), await client.new_page()
    await coach_page.goto(f"/engagements/{pair.engagement_id}/room")
    await client_page.goto(f"/i/{pair.invite}/room")
    return coach_page, client_page


async def join_both(coach_page: Page, client_page: Page) -> None:
    # Clicked together, both sides offer at once: glare, resolved by perfect negotiation.
    await asyncio.gather(
        coach_page.get_by_test_id("join").click(), client_page.get_by_test_id("join").click()
    )


async def in_a_call(contexts: ContextFactory, server: TestServer) -> tuple[Pair, Page, Page]:
    """A new engagement whose coach and client are in a call: (pair, coach, client)."""
    pair = await make_pair(server.app)
    coach_page, client_page = await open_pages(contexts, pair)
    await join_both(coach_page, client_page)
    await wait_connected(coach_page, client_page)
    return pair, coach_page, client_page


async def wait_connected(*pages: Page) -> None:
    for page in pages:
        await page.wait_for_function(PLAYING, timeout=20_000)


async def frames_rising(page: Page) -> None:
    await page.wait_for_function(f"() => ({FRAMES})() > 0", timeout=10_000)
    before = await page.evaluate(FRAMES)
    await page.wait_for_function(f"() => ({FRAMES})() > {before}", timeout=10_000)


async def test_coach_and_client_see_each_other_and_mute_is_seen(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach_page, client_page = await open_pages(contexts, pair)
    assert await client_page.locator("html").get_attribute("lang") == "en"  # engagement: en
    await join_both(coach_page, client_page)
    await wait_connected(coach_page, client_page)
    await frames_rising(coach_page)
    await frames_rising(client_page)
    assert await coach_page.get_by_test_id("peer-status").is_hidden()
    # Each page reports its call set-up time once (`connected`, for /metrics).
    registry = server.app[METRICS].registry
    await eventually(lambda: registry.get_sample_value("tandem_call_setup_seconds_count") == 2)

    await coach_page.get_by_test_id("mute").click()
    await client_page.get_by_test_id("peer-muted").wait_for(state="visible")
    await coach_page.get_by_test_id("mute").click()
    await client_page.get_by_test_id("peer-muted").wait_for(state="hidden")
    await client_page.get_by_test_id("camera").click()
    await coach_page.get_by_test_id("peer-camera-off").wait_for(state="visible")
    await screenshot(coach_page, "room-coach")
    await screenshot(client_page, "room-client")

    await client_page.get_by_test_id("leave").click()
    await coach_page.get_by_test_id("peer-status").wait_for(state="visible")
    calls = await server.app[STORE].calls_of(pair.engagement_id)
    assert len(calls) == 1 and calls[0].duration is not None


async def test_a_client_arriving_first_sees_a_calm_waiting_screen(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    _coach_page, client_page = await open_pages(contexts, pair)
    await client_page.get_by_test_id("join").click()
    overlay = client_page.get_by_test_id("peer-status")
    await overlay.wait_for(state="visible")
    assert "Waiting for Coach" in (await overlay.text_content() or "")
    status = await client_page.get_by_test_id("status").text_content()
    assert status == "Waiting for Coach", status  # not "Connected" while alone


async def test_reload_restores_the_call_even_when_both_reload_at_once(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach_page, client_page = await open_pages(contexts, pair)
    await join_both(coach_page, client_page)
    await wait_connected(coach_page, client_page)

    await client_page.reload()  # no click on either side afterwards
    await wait_connected(client_page, coach_page)
    await frames_rising(coach_page)

    for _ in range(3):  # both reload at once: both rejoin together
        await asyncio.gather(coach_page.reload(), client_page.reload())
        await wait_connected(coach_page, client_page)
    await frames_rising(client_page)


async def test_glare_repeated_still_ends_connected(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach_page, client_page = await open_pages(contexts, pair)
    glare: list[str] = []
    for page in (coach_page, client_page):
        page.on("console", lambda m: glare.append(m.text) if "glare" in m.text else None)
    await join_both(coach_page, client_page)
    await wait_connected(coach_page, client_page)

    # A network change seen by both at once: both restart ICE, so both offer together.
    pages = (coach_page, client_page)
    for _ in range(5):
        counts = [await page.evaluate(NEGOTIATIONS) for page in pages]
        await asyncio.gather(
            *(page.evaluate("dispatchEvent(new Event('online'))") for page in pages)
        )
        for page, count in zip(pages, counts, strict=True):
            await page.wait_for_function(
                f"() => ({NEGOTIATIONS})() > {count} && ({SETTLED})()", timeout=20_000
            )
    assert glare, "the offers never crossed, so glare was not exercised"
    await frames_rising(coach_page)
    await frames_rising(client_page)


async def test_a_second_tab_takes_the_seat_and_the_first_tab_says_so(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach_page, first_tab = await open_pages(contexts, pair)
    await join_both(coach_page, first_tab)
    await wait_connected(coach_page, first_tab)

    second_tab = await first_tab.context.new_page()
    await second_tab.goto(f"/i/{pair.invite}/room")
    await second_tab.get_by_test_id("join").click()
    message = first_tab.get_by_test_id("error-message")
    await message.wait_for(state="visible")
    assert await message.get_attribute("data-code") == "replaced-same-browser"
    await wait_connected(second_tab, coach_page)


async def test_a_third_person_sees_a_plain_room_full_message(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach_page, client_page = await open_pages(contexts, pair)
    await join_both(coach_page, client_page)
    stranger = await (await contexts()).new_page()
    await stranger.goto(f"/i/{pair.invite}/room")
    await stranger.get_by_test_id("join").click()
    message = stranger.get_by_test_id("error-message")
    await message.wait_for(state="visible")
    assert "already has two people" in (await message.text_content() or "")
    assert await stranger.get_by_test_id("takeover").is_visible()
