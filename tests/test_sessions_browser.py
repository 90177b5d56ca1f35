"""Sessions in headless Chromium: the coach plans a series on the engagement page; each
client's home, in nb, sv and nl and in the browser's own time zone, leads with the next
session; the room says "session n of m"; after a held session both see its recap, which
holds no private note; every page passes axe and fits a phone (issue 13, acceptance 3, 4).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, expect

from rooms.accounts import SESSION_COOKIE
from rooms.calls import CallKind
from rooms.models import Role
from server.keys import BOARDS, SESSIONS, STORE
from tests.audit import phone_and_desktop, with_axe
from tests.browser import screenshot
from tests.helpers import FakeClock, make_pair

pytestmark = [pytest.mark.browser]
WAIT = 20_000
SECRET = "PRIVATE-b41 only the coach may read this"

# (language, browser time zone, browser locale, the home's first line, the room's line).
# The coach plans Tuesdays at 10:00 in Oslo from 23 March 2027, for three months.
CLIENTS = [
    ("nb", "Europe/Oslo", "nb-NO", "Neste økt: tirsdag 23 mars kl. 10:00", "Økt 1 av 7"),
    ("sv", "Europe/Helsinki", "sv-SE", "Nästa samtal: tisdag 23 mars kl. 11:00", "Samtal 1 av 7"),
    (
        "nl",
        "Europe/London",
        "nl-NL",
        "Volgende sessie: dinsdag 23 maart om 09:00",
        "Sessie 1 van 7",
    ),
]


@pytest.fixture
async def zoned(browser: Browser, server: TestServer) -> AsyncIterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        await context.close()


async def context_in(
    browser: Browser,
    server: TestServer,
    made: list[BrowserContext],
    zone: str,
    locale: str,
    cookies: dict[str, str] | None = None,
) -> Page:
    base = str(server.make_url("")).rstrip("/")
    context = await browser.new_context(base_url=base, locale=locale, timezone_id=zone)
    made.append(await with_axe(context))
    context.on("weberror", lambda error: print(f"[{zone}] page error: {error.error}"))
    if cookies:
        await context.add_cookies(
            [{"name": k, "value": v, "url": base} for k, v in cookies.items()]
        )
    return await context.new_page()


async def test_clients_see_the_next_session_in_their_zone_and_language_and_the_recap(
    browser: Browser, server: TestServer, zoned: list[BrowserContext], clock: FakeClock
) -> None:
    problems: list[str] = []
    for language, zone, locale, next_line, room_line in CLIENTS:
        pair = await make_pair(server.app, email=f"{language}@example.org", language=language)
        coach = await context_in(
            browser,
            server,
            zoned,
            "Europe/Oslo",
            "en-GB",
            {SESSION_COOKIE: pair.coach_cookie, "tandem_lang": "en"},
        )
        await coach.goto(f"/engagements/{pair.engagement_id}")
        form = coach.get_by_test_id("series-form")
        await form.locator("input[name=date]").fill("2027-03-23")
        await form.locator("input[name=time]").fill("10:00")
        await form.locator("select[name=every_weeks]").select_option("2")
        await form.locator("select[name=months]").select_option("3")
        await coach.get_by_test_id("plan-series").click()
        await expect(coach.get_by_test_id("session-row")).to_have_count(7, timeout=WAIT)
        await expect(coach.get_by_test_id("next-session")).to_contain_text(
            "Tuesday, March 23 at 10:00", timeout=WAIT
        )

        client = await context_in(browser, server, zoned, zone, locale)
        await client.goto(f"/i/{pair.invite}")
        step = client.get_by_test_id("next-step-next-session")
        await expect(step).to_contain_text(next_line, timeout=WAIT)  # after the zone reload
        steps = client.get_by_test_id("next-steps").locator("li")
        await expect(steps.first).to_have_attribute("data-step", "techcheck")
        await client.goto(f"/i/{pair.invite}/room")
        await expect(client.get_by_test_id("session-number")).to_have_text(room_line)
        await screenshot(client, f"sessions-home-{language}")

        if language == "nb":
            problems += await recap_seen_by_both(server, clock, pair.engagement_id, coach, client)
            await client.goto(f"/i/{pair.invite}")
            problems += await phone_and_desktop(client, "client home with recap")
            await coach.goto(f"/engagements/{pair.engagement_id}")
            problems += await phone_and_desktop(coach, "engagement page with sessions")
    assert not problems, "\n".join(problems)


async def recap_seen_by_both(
    server: TestServer, clock: FakeClock, engagement_id: str, coach: Page, client: Page
) -> list[str]:
    """A 40-minute video call today with two board edits and a private note."""
    store, boards = server.app[STORE], server.app[BOARDS]
    engagement = await store.engagement(engagement_id)
    assert engagement is not None
    await store.open_call(engagement.id, CallKind.REAL, clock.now)
    clock.advance(300)
    await boards.apply(
        engagement,
        Role.COACH,
        "op-goal-42",
        {
            "type": "add",
            "collection": "goals",
            "id": "goal-42",
            "fields": {"title": "Søke tre jobber"},
        },
    )
    await boards.put_private_note(engagement, Role.COACH, "private-42", SECRET)
    clock.advance(60)
    await boards.apply(
        engagement,
        Role.CLIENT,
        "op-prog-42",
        {"type": "update", "collection": "goals", "id": "goal-42", "fields": {"progress": 30}},
    )
    clock.advance(35 * 60)
    call = await store.close_call(engagement.id, clock.now)
    assert call is not None
    await server.app[SESSIONS].call_closed(engagement, call)
    for page, path in (
        (client, f"/i/{engagement.invite_token}"),
        (coach, f"/engagements/{engagement.id}"),
    ):
        await page.goto(path)
        recap = page.get_by_test_id("recap-changes").locator("li")
        await expect(recap).to_have_count(2, timeout=WAIT)
        await expect(recap.nth(0)).to_have_attribute("data-kind", "goal-added")
        await expect(recap.nth(1)).to_have_attribute("data-kind", "progress-moved")
        await expect(recap.nth(0)).to_contain_text("Søke tre jobber")
        assert SECRET not in await page.get_by_test_id("recap").inner_text()
    assert SECRET not in await client.content()
    await expect(client.get_by_test_id("recap")).to_contain_text("Det vi ble enige om sist")
    await expect(client.get_by_test_id("recap-next")).to_contain_text("tirsdag 23 mars")
    await expect(coach.get_by_test_id("session-counts")).to_have_attribute("data-held", "1")
    return []
