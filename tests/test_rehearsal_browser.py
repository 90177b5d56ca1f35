"""The room rehearsal in headless Chromium (issue 16, acceptance 5): a client alone in the
real room with the server's echo peer sees their own video as the remote, completes every
step, and the coach's engagement page shows the rehearsal. Plus: a full echo says "busy",
and a browser that cannot share a screen is not asked to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page

from rooms.accounts import SESSION_COOKIE
from server.app import create_app
from server.config import Settings
from server.keys import SIO, STORE
from signaling.echo import EchoService
from signaling.protocol import TECHCHECK_NAMESPACE
from tests.audit import phone_and_desktop, with_axe
from tests.browser import ContextFactory, context_for, screenshot
from tests.helpers import FakeClock, eventually, make_pair
from tests.test_echo import Client

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

WAIT = 20_000
REMOTE = "document.querySelector('[data-testid=remote-video]')"
FRAMES = f"() => {REMOTE}.srcObject ? {REMOTE}.getVideoPlaybackQuality().totalVideoFrames : 0"
# Headless Chromium has no screen to share: the test feeds a canvas, as a real picker would.
FAKE_SCREEN = """
if (window.MediaDevices) MediaDevices.prototype.getDisplayMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 360;
  const context = canvas.getContext("2d");
  let n = 0;
  setInterval(() => {
    context.fillStyle = `hsl(${n++ % 360} 60% 50%)`;
    context.fillRect(0, 0, 640, 360);
  }, 50);
  return canvas.captureStream(15);
};
"""
NO_SCREEN = "if (window.MediaDevices) delete MediaDevices.prototype.getDisplayMedia;"


def echo_of(server: TestServer) -> EchoService:
    service: EchoService = server.app[SIO].namespace_handlers[TECHCHECK_NAMESPACE].echo
    return service


async def frames_decoding(page: Page, frames: int = 5) -> None:
    """The remote video element is decoding frames now: its count keeps rising."""
    await page.wait_for_function(f"() => ({FRAMES})() > 0 && {REMOTE}.videoWidth > 0", timeout=WAIT)
    before = await page.evaluate(FRAMES)
    await page.wait_for_function(f"() => ({FRAMES})() > {before + frames}", timeout=WAIT)


async def step_done(page: Page, step: str) -> None:
    selector = f"[data-testid=rehearsal-step-{step}][data-done=true]"
    await page.locator(selector).wait_for(state="attached", timeout=WAIT)


async def test_a_client_rehearses_alone_and_the_coach_sees_it(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app, client="Kari")
    context = await contexts()
    await context.add_init_script(FAKE_SCREEN)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"/i/{pair.invite}")
    await page.get_by_test_id("open-rehearsal").click()
    await page.get_by_test_id("join").click()

    # The echo peer plays the other person: the remote video is the client's own camera.
    await frames_decoding(page)
    assert echo_of(server).resources().sessions == 1
    # …and their own sound comes back too, on the same element, not muted.
    await page.wait_for_function(
        f"() => {REMOTE}.srcObject.getAudioTracks().some((t) => t.readyState === 'live')"
        f" && !{REMOTE}.muted",
        timeout=WAIT,
    )
    assert await page.get_by_test_id("status").get_attribute("data-connection") == "connected"
    await page.locator("[data-testid=rehearsal-step-mute][aria-current=step]").wait_for()

    for control, step in (("mute", "mute"), ("camera", "camera")):
        await page.get_by_test_id(control).click()
        await page.get_by_test_id(control).click()
        await step_done(page, step)
    await frames_decoding(page)  # the camera is back on, and so is the echoed picture

    await page.get_by_test_id("board").get_by_text("Goals", exact=True).click()
    await step_done(page, "board")

    await page.get_by_test_id("screen-share").click()
    await page.wait_for_function(
        f"() => {REMOTE}.videoWidth === 640", timeout=WAIT
    )  # the shared canvas comes back through the echo
    await page.get_by_test_id("screen-share").click()
    await step_done(page, "screen")

    assert await page.get_by_test_id("rehearsal-rejoin").is_hidden()
    await page.get_by_test_id("leave").click()
    await eventually(lambda: echo_of(server).resources().sessions == 0, 20)
    await page.get_by_test_id("rehearsal-rejoin").click()
    await frames_decoding(page)
    await step_done(page, "leave")
    await page.get_by_test_id("rehearsal-complete").wait_for(state="visible", timeout=WAIT)
    await screenshot(page, "rehearsal-client")

    await page.wait_for_function(
        "() => document.querySelector('[data-testid=rehearsal]').dataset.saved"
        " === 'mute,camera,board,screen,leave'",
        timeout=WAIT,
    )
    store = server.app[STORE]
    (logged,) = await store.rehearsals_of(pair.engagement_id)
    assert logged.complete
    assert await store.calls_of(pair.engagement_id) == []  # not a session, not practice
    assert errors == []

    coach = await (await contexts({SESSION_COOKIE: pair.coach_cookie})).new_page()
    await coach.goto(f"/engagements/{pair.engagement_id}")
    summary = coach.get_by_test_id("rehearsal-summary")
    assert await summary.get_attribute("data-complete") == "true"
    assert "Kari rehearsed the room on" in await summary.inner_text()


async def test_a_full_echo_says_busy_and_a_phone_gets_no_screen_step(
    browser: Browser,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    data_dir: Path,
    clock: FakeClock,
) -> None:
    server = await aiohttp_server(
        create_app(Settings(data_dir=data_dir, echo_max_sessions=1), clock=clock)
    )
    pair = await make_pair(server.app)
    holder = Client()  # someone's tech check holds the only echo peer
    await holder.connect(echo_of(server))
    context = await context_for(browser, str(server.make_url("")).rstrip("/"))
    try:
        await context.add_init_script(NO_SCREEN)
        page = await context.new_page()
        await page.goto(f"/i/{pair.invite}/rehearsal")
        await page.get_by_test_id("rehearsal-step-mute").wait_for()
        assert await page.get_by_test_id("rehearsal-step-screen").is_hidden()
        await page.get_by_test_id("join").click()
        busy = page.get_by_test_id("rehearsal-busy")
        await busy.wait_for(state="visible", timeout=WAIT)
        assert "busy" in await busy.inner_text()
        assert await page.get_by_test_id("join").is_visible()  # they can try again
        assert echo_of(server).resources().sessions == 1
    finally:
        await context.close()
        await holder.close()


@pytest.mark.parametrize("lang", ["en", "nb"])
async def test_the_rehearsal_and_practice_pages_fit_a_phone_and_pass_axe(
    contexts: ContextFactory, server: TestServer, lang: str
) -> None:
    pair = await make_pair(server.app, language=lang)
    page = await (await with_axe(await contexts({"tandem_lang": lang}))).new_page()
    await page.goto(f"/i/{pair.invite}/rehearsal")
    await page.get_by_test_id("rehearsal-step-mute").wait_for()
    problems = await phone_and_desktop(page, f"{lang} rehearsal before joining")
    await page.get_by_test_id("join").click()
    await frames_decoding(page)
    await page.get_by_test_id("mute").click()
    problems += await phone_and_desktop(page, f"{lang} rehearsal during")
    await page.get_by_test_id("leave").click()
    await page.get_by_test_id("rehearsal-rejoin").wait_for(state="visible")
    problems += await phone_and_desktop(page, f"{lang} rehearsal after leaving")
    await page.goto(f"/i/{pair.invite}/room?practice=1")
    await page.get_by_test_id("practice-notice").wait_for()
    problems += await phone_and_desktop(page, f"{lang} practice call")
    assert problems == []


async def test_an_echo_session_that_ends_is_replaced_and_nothing_is_lost(
    browser: Browser,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    data_dir: Path,
    clock: FakeClock,
) -> None:
    """A rehearsal can outlast the echo peer's time limit (TANDEM_ECHO_SESSION_SECONDS): the
    page opens a new echo session by itself, and the steps done so far stay ticked."""
    settings = Settings(data_dir=data_dir, echo_session_seconds=10)
    server = await aiohttp_server(create_app(settings, clock=clock))
    pair = await make_pair(server.app)
    context = await context_for(browser, str(server.make_url("")).rstrip("/"))
    try:
        page = await context.new_page()
        await page.goto(f"/i/{pair.invite}/rehearsal")
        await page.get_by_test_id("join").click()
        await frames_decoding(page)
        await page.get_by_test_id("mute").click()
        await page.get_by_test_id("mute").click()
        await step_done(page, "mute")
        connections = "document.querySelector('[data-testid=rehearsal]').dataset.connections"
        await page.wait_for_function(f"() => {connections} === '2'", timeout=40_000)
        await frames_decoding(page)
        assert await page.locator("[data-testid=rehearsal-step-mute][data-done=true]").count() == 1
        assert echo_of(server).resources().sessions == 1  # the old one is gone, not leaked
    finally:
        await context.close()


async def test_a_second_window_takes_the_rehearsal_over_and_the_first_lets_it_go(
    contexts: ContextFactory, server: TestServer
) -> None:
    """One person holds one echo session: the window that lost it says so and waits for
    "Join again" instead of taking it back (two windows would fight over it forever)."""
    pair = await make_pair(server.app)
    context = await contexts()
    first, second = await context.new_page(), await context.new_page()
    for page in (first, second):
        await page.goto(f"/i/{pair.invite}/rehearsal")
    await first.get_by_test_id("join").click()
    await frames_decoding(first)
    await second.get_by_test_id("join").click()
    await frames_decoding(second)
    panel = "document.querySelector('[data-testid=rehearsal]').dataset"
    await first.wait_for_function(f"() => {panel}.takenOver === 'true'", timeout=WAIT)
    assert "other window" in await first.get_by_test_id("peer-status").inner_text()
    assert await first.get_by_test_id("rehearsal-rejoin").is_visible()
    # Still the second's 90 frames (3 s at 30 fps) later, past the first's 2 s retry delay.
    await frames_decoding(second, frames=90)
    assert await first.evaluate(f"() => {panel}.connections") == "1"
    assert echo_of(server).resources().sessions == 1

    await first.get_by_test_id("rehearsal-rejoin").click()  # back to the first, on purpose
    await frames_decoding(first)
    await second.wait_for_function(f"() => {panel}.takenOver === 'true'", timeout=WAIT)
