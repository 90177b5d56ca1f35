"""The tech check's connection step ends on the connection's own failure, in Chromium and
Firefox ESR alike, with the same advice (issue 19): no fixed 20 s wait, and no "checking"
forever in a browser that never reports "failed" when it has nothing left to try.

These tests run without the `loopback_ice` patch, so the echo peer (aioice) finds no
address it will offer in the loopback-only namespace and answers with no candidate, as a
server with a broken network would; a relay-only server whose TURN refuses the credential
leaves the browser's side with none.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page

from server.app import create_app
from server.config import Settings
from tests.browser import ContextFactory, context_for
from tests.firefox import FirefoxFactory
from tests.helpers import FakeClock, make_pair
from tests.loopback import interfaces
from tests.turn_server import TurnServer

pytestmark = [pytest.mark.browser, pytest.mark.webrtc]

NETWORK = "document.querySelector('[data-testid=step-network]')"
CAMERA_ON = "document.querySelector('[data-testid=step-camera]').dataset.outcome === 'pass'"
ENDED = f"['pass', 'fail'].includes({NETWORK}.dataset.outcome)"
ADVICE = "document.querySelector('[data-testid=step-network-advice]').textContent"
FAIL_ADVICE = "We could not connect. Try another network"
# Well under the page's old fixed 20 s wait, and under Chromium's own ~30 s ICE timeout.
PROMPT = 12.0


@pytest.fixture(autouse=True)
def loopback_only() -> None:
    extra = interfaces() - {"lo"}
    assert not extra, f"WebRTC tests must run in a loopback-only namespace, found {extra}"


async def check_fails_promptly(page: Page) -> str:
    await page.get_by_test_id("camera-start").click()
    await page.wait_for_function(f"() => {CAMERA_ON}")
    await page.get_by_test_id("network-start").click()
    start = time.monotonic()
    await page.wait_for_function(f"() => {ENDED}", timeout=PROMPT * 1000)
    assert time.monotonic() - start < PROMPT
    assert await page.evaluate(f"() => {NETWORK}.dataset.outcome") == "fail"
    return str(await page.evaluate(f"() => {ADVICE}"))


async def test_chromium_with_no_echo_candidate_fails_at_once(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    page = await (await contexts()).new_page()
    await page.goto(f"/i/{pair.invite}/check")
    assert (await check_fails_promptly(page)).startswith(FAIL_ADVICE)


async def test_firefox_with_no_echo_candidate_fails_with_the_same_advice(
    firefoxes: FirefoxFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    firefox = await firefoxes()
    await firefox.goto(f"/i/{pair.invite}/check")
    await firefox.click("camera-start")
    await firefox.wait_for(CAMERA_ON)
    await firefox.click("network-start")
    await firefox.wait_for(ENDED, timeout=PROMPT)
    assert await firefox.js(f"return {NETWORK}.dataset.outcome;") == "fail"
    assert (await firefox.js(f"return {ADVICE};")).startswith(FAIL_ADVICE)


async def test_chromium_relay_only_with_a_refused_turn_credential_fails_promptly(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    browser: Browser,
    turn_server: TurnServer,
    data_dir: Path,
    loopback_ice: None,
) -> None:
    settings = Settings(
        data_dir=data_dir,
        turn_urls=(turn_server.url,),
        turn_secret="not-" + turn_server.secret,  # coturn answers every allocation with 401
        ice_transport_policy="relay",
    )
    server = await aiohttp_server(create_app(settings, clock=FakeClock(time.time())))
    pair = await make_pair(server.app)
    context = await context_for(browser, str(server.make_url("")).rstrip("/"))
    try:
        page = await context.new_page()
        await page.goto(f"/i/{pair.invite}/check")
        assert (await check_fails_promptly(page)).startswith(FAIL_ADVICE)
    finally:
        await context.close()
    refused = "-client-check>: incoming packet message processed, error 401"
    assert pair.engagement_id + refused in turn_server.log(), turn_server.log()
    assert "ALLOCATE processed, success" not in turn_server.log()
