"""Whose seat it is, in three headless Chromium contexts (issue 12, acceptance 2): a third
browser opening the client's link while the client is in the call cannot take the seat
until the coach lets it in; the coach sees who asks; the displaced client is told so in
plain words and has a Rejoin that brings the call back; a reload of the client's own page
still takes over without any prompt."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from rooms.models import Role
from server.keys import STORE
from tests.browser import ContextFactory, screenshot
from tests.helpers import make_pair
from tests.test_room_browser import PLAYING, in_a_call, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]
WAIT = 20_000
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


async def test_a_third_browser_with_the_link_waits_for_the_coach_and_the_client_can_rejoin(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair, coach, client = await in_a_call(contexts, server)

    # The client's own page, reloaded: back in the call with no prompt anywhere.
    await client.reload()
    await wait_connected(client, coach)
    await expect(coach.get_by_test_id("admission-request")).to_have_count(0)
    await expect(client.get_by_test_id("error-message")).to_be_hidden()

    stranger = await (await contexts(user_agent=IPHONE)).new_page()
    await stranger.goto(f"/i/{pair.invite}/room")
    await stranger.get_by_test_id("join").click()
    await expect(stranger.get_by_test_id("error-message")).to_have_attribute(
        "data-code", "error-room-full"
    )
    await stranger.get_by_test_id("takeover").click()
    waiting = stranger.get_by_test_id("waiting")
    await expect(waiting).to_have_attribute("data-code", "waiting-coach", timeout=WAIT)
    assert "asked to let you in" in (await waiting.text_content() or "")

    request = coach.get_by_test_id("admission-request")
    await expect(request).to_be_visible(timeout=WAIT)
    words = await request.text_content() or ""
    assert "another device" in words and "Safari on iPhone" in words, words
    await screenshot(coach, "room-coach-admission-request")
    # Still the client's seat, and still the client's call, while the coach decides.
    seats = await server.app[STORE].seats(pair.engagement_id)
    assert seats[Role.CLIENT].device == await client.evaluate("localStorage['tandem.device']")
    assert await client.evaluate(PLAYING)
    await expect(client.get_by_test_id("rejoin")).to_be_hidden()

    await request.get_by_test_id("admit").click()
    await expect(request).to_have_count(0)
    await wait_connected(stranger, coach)
    message = client.get_by_test_id("error-message")
    await expect(message).to_have_attribute("data-code", "replaced-admitted", timeout=WAIT)
    assert "Your coach let in another device" in (await message.text_content() or "")
    rejoin = client.get_by_test_id("rejoin")
    await expect(rejoin).to_be_visible()
    await screenshot(client, "room-client-replaced-by-admission")

    # The way back: this browser held the seat, so Rejoin takes it back without asking.
    await rejoin.click()
    await wait_connected(client, coach)
    await expect(stranger.get_by_test_id("error-message")).to_have_attribute(
        "data-code", "replaced-other-device", timeout=WAIT
    )
    await expect(coach.get_by_test_id("admission-request")).to_have_count(0)


async def test_a_refused_browser_is_told_and_the_call_goes_on(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair, coach, client = await in_a_call(contexts, server)
    stranger = await (await contexts(locale="nb-NO")).new_page()
    await stranger.goto(f"/i/{pair.invite}/room")
    await stranger.get_by_test_id("join").click()
    await stranger.get_by_test_id("takeover").click()
    await expect(stranger.get_by_test_id("waiting")).to_be_visible(timeout=WAIT)
    await coach.get_by_test_id("admission-request").get_by_test_id("refuse").click()
    await expect(stranger.get_by_test_id("error-message")).to_have_attribute(
        "data-code", "refused-coach", timeout=WAIT
    )
    await expect(stranger.get_by_test_id("waiting")).to_be_hidden()
    assert await client.evaluate(PLAYING)
    await expect(client.get_by_test_id("error-message")).to_be_hidden()


async def test_with_the_coach_away_the_client_is_asked_is_this_you(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    laptop = await (await contexts()).new_page()
    await laptop.goto(f"/i/{pair.invite}/room")
    await laptop.get_by_test_id("join").click()
    overlay = laptop.get_by_test_id("peer-status")
    await expect(overlay).to_have_attribute("data-state", "peer-waiting", timeout=WAIT)

    phone = await (await contexts(user_agent=IPHONE)).new_page()
    await phone.goto(f"/i/{pair.invite}/room")
    await phone.get_by_test_id("join").click()
    await phone.get_by_test_id("takeover").click()
    await expect(phone.get_by_test_id("waiting")).to_have_attribute(
        "data-code", "waiting-client", timeout=WAIT
    )
    question = laptop.get_by_test_id("admission-request")
    await expect(question).to_be_visible(timeout=WAIT)
    words = await question.text_content() or ""
    assert "Is this you on another device?" in words and "Safari on iPhone" in words, words
    await screenshot(laptop, "room-client-is-this-you")
    await question.get_by_test_id("admit").click()
    await expect(laptop.get_by_test_id("error-message")).to_have_attribute(
        "data-code", "replaced-confirmed", timeout=WAIT
    )
    await expect(laptop.get_by_test_id("rejoin")).to_be_visible()
    # The phone has the seat now, and waits for the coach there.
    await expect(phone.get_by_test_id("peer-status")).to_have_attribute(
        "data-state", "peer-waiting", timeout=WAIT
    )
    await expect(phone.get_by_test_id("waiting")).to_be_hidden()
