"""The message thread in headless Chromium (issue 15, acceptance 1 and 4): coach and client
on their pages and in the room; markup shows as text everywhere, links open on click only."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect

from rooms.accounts import SESSION_COOKIE
from tests.audit import phone_and_desktop, with_axe
from tests.browser import ContextFactory, screenshot
from tests.helpers import make_pair

pytestmark = [pytest.mark.browser]
WAIT = 20_000
MARKUP = "<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'> <b>fet</b>"
LINK = "https://example.org/jobb?id=7"


async def send(page: Page, text: str) -> None:
    await page.get_by_test_id("messages-text").fill(text)
    await page.get_by_test_id("messages-send").press("Enter")  # the keyboard, not a click


async def live(page: Page) -> None:
    await expect(page.get_by_test_id("messages-status")).to_have_text("", timeout=WAIT)


async def no_markup(page: Page) -> None:
    thread = page.get_by_test_id("messages-list")
    assert await thread.locator("script, img, b").count() == 0
    assert await page.evaluate("window.pwned") is None


async def test_markup_shows_as_text_on_both_homes_and_in_the_room(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app, language="nb")
    coach = await (await with_axe(await contexts({SESSION_COOKIE: pair.coach_cookie}))).new_page()
    client = await (await with_axe(await contexts(locale="nb-NO"))).new_page()
    await coach.goto(f"/engagements/{pair.engagement_id}")
    await client.goto(f"/i/{pair.invite}")
    await live(coach)
    await live(client)
    await expect(client.get_by_test_id("messages")).to_contain_text("Meldinger")

    await send(client, f"{MARKUP}\nSe {LINK}.")
    shown = coach.get_by_test_id("message")
    await expect(shown).to_have_count(1, timeout=WAIT)
    await expect(shown.locator(".message-text")).to_have_text(f"{MARKUP}\nSe {LINK}.")
    link = shown.locator("a")
    await expect(link).to_have_attribute("href", LINK)
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(link).to_have_attribute("target", "_blank")
    await no_markup(coach)
    await no_markup(client)
    await expect(client.get_by_test_id("message")).to_have_count(1)  # its own, once

    await send(coach, "Takk! Vi ses på torsdag.")
    await expect(client.get_by_test_id("message")).to_have_count(2, timeout=WAIT)
    await expect(client.get_by_test_id("message").nth(1)).to_contain_text("Vi ses på torsdag.")
    await expect(client.get_by_test_id("message").nth(0)).to_contain_text("Lest", timeout=WAIT)

    # the coach looks away: the dashboard counts the client's next message
    await coach.goto("/dashboard")
    await send(client, "Ett spørsmål til")
    await expect(client.get_by_test_id("message")).to_have_count(3, timeout=WAIT)
    await coach.reload()
    await expect(coach.get_by_test_id("engagement-unread")).to_have_attribute("data-count", "1")
    page = await (await coach.request.get(f"/engagements/{pair.engagement_id}")).text()
    assert 'data-testid="messages-unread">1</span>' in page  # as served, before it is read

    # in the room, the same thread, still as text
    await client.goto(f"/i/{pair.invite}/room")
    await coach.goto(f"/engagements/{pair.engagement_id}/room")
    for page in (client, coach):
        await expect(page.get_by_test_id("message")).to_have_count(3, timeout=WAIT)
        await expect(page.get_by_test_id("message").nth(0).locator(".message-text")).to_have_text(
            f"{MARKUP}\nSe {LINK}."
        )
        await no_markup(page)
    await send(coach, "Lyden faller ut, jeg skriver her")
    await expect(client.get_by_test_id("message")).to_have_count(4, timeout=WAIT)
    await expect(client.get_by_test_id("message").nth(3)).to_contain_text("jeg skriver her")

    await client.goto(f"/i/{pair.invite}")
    await expect(client.get_by_test_id("message")).to_have_count(4, timeout=WAIT)
    await no_markup(client)
    await expect(client.get_by_test_id("messages-unread")).to_be_hidden()  # all read
    await screenshot(client, "messages-client-home")
    assert await phone_and_desktop(client, "client home with messages") == []
