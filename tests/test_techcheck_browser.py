"""The whole tech check in headless Chromium with fake devices, then the coach's view
(issue 6, acceptance 2)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from rooms.accounts import SESSION_COOKIE
from rooms.techcheck import Readiness
from server.keys import SIO, STORE
from signaling.protocol import TECHCHECK_NAMESPACE
from tests.browser import ContextFactory, screenshot
from tests.helpers import eventually, make_pair
from tests.sockets import Recorder
from tests.sockets import coach as coach_socket

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

WAIT = 20_000


def outcome(step: str, value: str) -> str:
    selector = f"[data-testid=step-{step}]"
    return f"() => document.querySelector('{selector}').dataset.outcome === '{value}'"


async def test_client_completes_the_check_and_the_coach_sees_ready(
    contexts: ContextFactory, server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    client = await (await contexts()).new_page()
    errors: list[str] = []
    client.on("pageerror", lambda error: errors.append(str(error)))
    await client.goto(f"/i/{pair.invite}")
    await client.get_by_test_id("open-techcheck").click()
    await client.wait_for_function(outcome("browser", "pass"), timeout=WAIT)

    await client.get_by_test_id("camera-start").click()
    await client.wait_for_function(outcome("camera", "pass"), timeout=WAIT)
    await client.wait_for_function(outcome("microphone", "pass"), timeout=WAIT)  # fake beeps

    await client.get_by_test_id("play-sound").click()
    await client.get_by_test_id("heard-yes").click()
    await client.wait_for_function(outcome("speakers", "pass"), timeout=WAIT)

    await client.get_by_test_id("network-start").click()
    await client.wait_for_function(
        "() => document.querySelector('[data-testid=loopback-video]').videoWidth > 0",
        timeout=WAIT,
    )  # the echo peer sent the fake camera back
    await client.wait_for_function(outcome("network", "pass"), timeout=WAIT)
    rtt = await client.get_by_test_id("figure-rtt_ms").text_content()
    assert rtt and rtt.endswith("ms")
    shown = await client.get_by_test_id("techcheck").inner_text()  # issue 16: words only
    for jargon in ("kbit/s", "Jitter", "Round trip", "Packet loss", " ms"):
        assert jargon not in shown, jargon

    await client.get_by_test_id("finish").click()
    readiness = client.get_by_test_id("readiness")
    await readiness.wait_for(state="visible", timeout=WAIT)
    figures = await client.get_by_test_id("network-figures").inner_text()
    assert await readiness.get_attribute("data-readiness") == "ready", figures
    href = await client.get_by_test_id("practice-call").get_attribute("href")
    assert href == f"/i/{pair.invite}/room?practice=1"
    await screenshot(client, "techcheck-client")
    assert errors == []

    report = await server.app[STORE].latest_techcheck(pair.engagement_id)
    assert report is not None and report.readiness is Readiness.READY
    assert report.browser.startswith("Chrome") and report.network.rtt_ms is not None

    coach = await (await contexts({SESSION_COOKIE: pair.coach_cookie})).new_page()
    await coach.goto("/dashboard")
    cell = coach.get_by_test_id("engagement-techcheck")
    assert await cell.locator("[data-readiness]").get_attribute("data-readiness") == "ready"
    assert "Chrome" in (await cell.inner_text())
    await coach.goto(f"/engagements/{pair.engagement_id}")
    card = coach.get_by_test_id("techcheck-readiness")
    assert await card.get_attribute("data-readiness") == "ready"
    assert await coach.locator("[data-testid=techcheck-steps] [data-outcome=pass]").count() == 5

    # The practice call: the client's room, opened from the check, is logged as practice.
    await client.get_by_test_id("practice-call").click()
    await client.get_by_test_id("join").click()
    await client.get_by_test_id("controls").wait_for(state="visible", timeout=WAIT)
    echo = server.app[SIO].namespace_handlers[TECHCHECK_NAMESPACE].echo
    await eventually(lambda: echo.resources() == (0, 0, 0), 20)  # left the check: released
    coach_room = await coach_socket(str(server.make_url("")), pair)
    recorders.append(coach_room)
    assert (await coach_room.call("join", {"device": coach_room.device}))["ok"]
    calls = await server.app[STORE].calls_of(pair.engagement_id)
    assert [call.kind.value for call in calls] == ["practice"]
