"""The tech check in headless Firefox ESR (issue 19, acceptance 1 and 2): with a sound output
it ends "ready"; on a machine without any sound output it says so in plain words instead
of "we hear nothing" or "did you hear it?"."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from rooms.techcheck import Readiness
from server.keys import STORE
from tests.firefox import Firefox, FirefoxFactory
from tests.helpers import make_pair

pytestmark = [
    pytest.mark.browser,
    pytest.mark.firefox,
    pytest.mark.webrtc,
    pytest.mark.usefixtures("loopback_ice"),
]


def outcome(step: str, *values: str) -> str:
    return f"{list(values)!r}.includes(document.querySelector('#step-{step}').dataset.outcome)"


LOOPBACK = "document.querySelector('[data-testid=loopback-video]')"
FIGURES = "document.querySelector('[data-testid=network-figures]')"
GRADES = "document.querySelectorAll('[data-testid=network-figures] dd[data-grade]')"
# The client sees no figures (issue 16): the pass message says so in words.
NETWORK_PASS = "Your connection works well enough for a video session."


def advice(step: str) -> str:
    return f"return document.querySelector('[data-testid=step-{step}-advice]').textContent;"


async def open_check(firefox: Firefox, invite: str) -> None:
    await firefox.goto(f"/i/{invite}/check")
    await firefox.wait_for(outcome("browser", "pass"))
    await firefox.click("camera-start")
    await firefox.wait_for(outcome("camera", "pass"))


async def test_firefox_finishes_the_check_ready_with_a_sound_output(
    firefoxes: FirefoxFactory, server: TestServer, pulse_sink: str
) -> None:
    pair = await make_pair(server.app)
    firefox = await firefoxes(sound=pulse_sink)
    await open_check(firefox, pair.invite)
    await firefox.wait_for(outcome("microphone", "pass"))  # Firefox's fake tone, metered

    await firefox.click("play-sound")
    await firefox.wait_for("!document.getElementById('heard').hidden")  # it really played
    await firefox.click("heard-yes")
    await firefox.wait_for(outcome("speakers", "pass"))

    # Figures are measured on a shared 2-core machine; like a person would, run the
    # connection test again (at most three times) when one is only beyond an advice limit.
    for attempt in range(3):
        await firefox.click("network-start")
        await firefox.wait_for(outcome("network", "pending"))
        await firefox.wait_for(outcome("network", "pass", "fail"))
        assert await firefox.js(advice("network")) == NETWORK_PASS
        assert await firefox.js(f"return {LOOPBACK}.videoWidth;") > 0  # echoed picture
        if await firefox.js(
            f"return [...{GRADES}].every((cell) => cell.dataset.grade === 'pass');"
        ):
            break
        print(f"attempt {attempt}:", await firefox.js(f"return {FIGURES}.innerText;"))
    await firefox.click("finish")
    readiness = await firefox.wait_for(
        "document.querySelector('[data-testid=readiness]').dataset.readiness"
    )
    assert readiness == "ready", await firefox.js(
        "return document.querySelector('[data-testid=report]').innerText;"
    )
    report = await server.app[STORE].latest_techcheck(pair.engagement_id)
    assert report is not None and report.readiness is Readiness.READY
    assert report.browser.startswith("Firefox")


async def test_firefox_without_sound_output_is_told_about_sound_not_silence(
    firefoxes: FirefoxFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    firefox = await firefoxes(sound=None)
    await open_check(firefox, pair.invite)
    page = "return document.querySelector('#techcheck').innerText;"

    # Its audio cannot start: the browser is not letting us listen, the microphone may be fine.
    await firefox.wait_for(outcome("microphone", "attention", "pass"))
    mic = await firefox.js(advice("microphone"))
    assert "Firefox needs a sound output" in mic, mic
    assert not await firefox.js("return document.getElementById('mic-resume').hidden;")
    speakers = await firefox.js("return document.getElementById('speaker-select').textContent;")
    assert speakers == "No speakers found: sound will play on the default output"

    await firefox.click("play-sound")
    await firefox.wait_for(outcome("speakers", "fail"))
    said = await firefox.js(advice("speakers"))
    assert said.startswith("Your computer could not play sound"), said
    assert await firefox.js("return document.getElementById('heard').hidden;")  # no question
    assert "We hear nothing" not in await firefox.js(page)

    await firefox.click("finish")
    await firefox.wait_for("document.querySelector('[data-testid=readiness]').dataset.readiness")
    text = await firefox.js("return document.querySelector('[data-testid=report]').innerText;")
    assert "check your speakers" in text and "We hear nothing" not in text, text
    report = await server.app[STORE].latest_techcheck(pair.engagement_id)
    assert report is not None and report.readiness is Readiness.NOT_READY
    assert report.steps["speakers"].value == "fail"
