"""A Firefox ESR page and a Chromium page in one room both decode the other's video (issue
16, acceptance 6; issue 19, acceptance 4): clients use both browsers.

Firefox keeps `getVideoPlaybackQuality().totalVideoFrames` at 0 for a live stream, so both
sides are checked on `videoWidth` and on getStats' `framesDecoded` (the quality line's
`data-frames-decoded`), which must keep rising.
"""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer

from rooms.accounts import SESSION_COOKIE
from tests.browser import ContextFactory
from tests.firefox import Firefox, FirefoxFactory
from tests.helpers import make_pair
from tests.test_room_browser import PLAYING, frames_rising

pytestmark = [
    pytest.mark.browser,
    pytest.mark.firefox,
    pytest.mark.webrtc,
    pytest.mark.usefixtures("loopback_ice"),
]

FRAMES = "Number(document.querySelector('[data-testid=quality]').dataset.framesDecoded || 0)"
WIDTH = "document.querySelector('[data-testid=remote-video]').videoWidth"


async def firefox_frames_rising(firefox: Firefox) -> None:
    before = await firefox.wait_for(f"{WIDTH} > 0 && {FRAMES}")
    await firefox.wait_for(f"{FRAMES} > {before}")


async def test_firefox_and_chromium_decode_each_other(
    contexts: ContextFactory, firefoxes: FirefoxFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach = await (await contexts({SESSION_COOKIE: pair.coach_cookie})).new_page()
    await coach.goto(f"/engagements/{pair.engagement_id}/room")
    firefox = await firefoxes()
    await firefox.goto(f"/i/{pair.invite}/room")
    await asyncio.gather(coach.get_by_test_id("join").click(), firefox.click("join"))

    await coach.wait_for_function(PLAYING, timeout=20_000)
    await frames_rising(coach)  # Chromium decodes Firefox's fake camera
    await firefox_frames_rising(firefox)  # and Firefox decodes Chromium's
    assert (
        await firefox.js(
            "return document.querySelector('[data-testid=status]').dataset.connection;"
        )
        == "connected"
    )
