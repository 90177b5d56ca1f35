"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by Playwright.

Flags from shared/WEBRTC-ON-LOOPBACK.md: fake camera and microphone without prompts, ICE
on loopback allowed, and no background traffic. A missing Chromium fails loudly; browser
tests are never skipped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-background-timer-throttling",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: apt-get install -y chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        await launched.close()


ContextFactory = Callable[..., Awaitable[BrowserContext]]


@pytest.fixture
async def contexts(browser: Browser, server: TestServer) -> AsyncIterator[ContextFactory]:
    """Browser contexts on the test server, closed before the server stops: a page still
    in a call would otherwise keep reconnecting while the server shuts down."""
    base_url = str(server.make_url("")).rstrip("/")
    made: list[BrowserContext] = []

    async def factory(
        cookies: dict[str, str] | None = None,
        locale: str = "en-GB",
        user_agent: str | None = None,
    ) -> BrowserContext:
        made.append(await context_for(browser, base_url, cookies, locale, user_agent))
        return made[-1]

    yield factory
    for context in made:
        await context.close()


async def context_for(
    browser: Browser,
    base_url: str,
    cookies: dict[str, str] | None = None,
    locale: str = "en-GB",
    user_agent: str | None = None,
) -> BrowserContext:
    """`user_agent` stands in for another device's browser (None: Chromium's own)."""
    context = await browser.new_context(
        base_url=base_url,
        locale=locale,
        permissions=["camera", "microphone"],
        user_agent=user_agent,
    )
    # Printed, so pytest shows the pages' console beside a failing test's traceback.
    label = f"{locale}#{len(browser.contexts)}"
    context.on("console", lambda message: print(f"[{label}] {message.type}: {message.text}"))
    context.on("weberror", lambda error: print(f"[{label}] page error: {error.error}"))
    if cookies:
        await context.add_cookies(
            [{"name": k, "value": v, "url": base_url} for k, v in cookies.items()]
        )
    return context


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
