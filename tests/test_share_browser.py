"""Screen share failures in the room (issue 19, acceptance 3), in Chromium and Firefox ESR:
a real failure is explained in plain words, a cancel says nothing, and the button is gone
where the browser cannot share at all; an empty speaker list says so and is disabled.

`getDisplayMedia` is replaced in the page before the click (headless browsers have no
screen, and no test can press "Cancel" in a real picker); every change of the error box is
recorded, so "a cancel shows nothing" is checked against what the page actually did.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from tests.browser import ContextFactory
from tests.firefox import FirefoxFactory
from tests.helpers import make_pair

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

WAIT = 20_000
# Makes the next getDisplayMedia reject with a DOMException `name` / `message`, and starts
# recording the error box's codes.
FAIL_NEXT_SHARE = """
  window.shareCalls = window.shareCalls ?? 0;
  navigator.mediaDevices.getDisplayMedia = () => {
    window.shareCalls += 1;
    return Promise.reject(new DOMException(message, name));
  };
  if (!window.errorCodes) {
    window.errorCodes = [];
    const box = document.querySelector('[data-testid=error-message]');
    new MutationObserver(() => window.errorCodes.push(box.dataset.code))
      .observe(box, { attributes: true, attributeFilter: ['data-code'] });
  }
"""
CHROMIUM_FAIL_NEXT_SHARE = f"([name, message]) => {{ {FAIL_NEXT_SHARE} }}"
FIREFOX_FAIL_NEXT_SHARE = f"const [name, message] = arguments; {FAIL_NEXT_SHARE}"
MISSING = "Screen sharing is not available here: we found no screen or window to share."


async def test_chromium_share_cancel_is_silent_and_a_failure_is_explained(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    page = await (await contexts()).new_page()
    await page.goto(f"/i/{pair.invite}/room")
    await page.get_by_test_id("join").click()
    await page.get_by_test_id("controls").wait_for(state="visible", timeout=WAIT)
    share = page.get_by_test_id("screen-share")
    error = page.get_by_test_id("error-message")

    await page.evaluate(CHROMIUM_FAIL_NEXT_SHARE, ["NotAllowedError", "Permission denied"])
    await share.click()
    await page.wait_for_function("() => window.shareCalls === 1", timeout=WAIT)
    await page.evaluate(CHROMIUM_FAIL_NEXT_SHARE, ["NotFoundError", "none"])
    await share.click()
    await error.wait_for(state="visible", timeout=WAIT)
    assert (await error.text_content() or "").startswith(MISSING)
    # The cancel before it changed nothing: the only code ever shown is the failure's.
    assert await page.evaluate("() => window.errorCodes") == ["share-missing"]
    assert await share.get_attribute("aria-pressed") == "false"


async def test_chromium_hides_share_where_the_browser_cannot_share(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    context = await contexts()
    # As on most phones: no getDisplayMedia at all.
    await context.add_init_script(
        "if (window.MediaDevices) delete MediaDevices.prototype.getDisplayMedia;"
    )
    page = await context.new_page()
    await page.goto(f"/i/{pair.invite}/room")
    await page.get_by_test_id("join").click()
    await page.get_by_test_id("controls").wait_for(state="visible", timeout=WAIT)
    assert await page.get_by_test_id("mute").is_visible()
    assert not await page.get_by_test_id("screen-share").is_visible()


@pytest.mark.firefox
async def test_firefox_share_cancel_is_silent_and_a_failure_is_explained(
    firefoxes: FirefoxFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    firefox = await firefoxes()
    await firefox.goto(f"/i/{pair.invite}/room")
    await firefox.click("join")
    await firefox.wait_for("!document.querySelector('[data-testid=controls]').hidden")

    # Firefox reports a closed picker as NotAllowedError too ("The request is not allowed").
    await firefox.js(FIREFOX_FAIL_NEXT_SHARE, "NotAllowedError", "The request is not allowed")
    await firefox.click("screen-share")
    await firefox.wait_for("window.shareCalls === 1")
    await firefox.js(FIREFOX_FAIL_NEXT_SHARE, "NotFoundError", "The object can not be found here.")
    await firefox.click("screen-share")
    shown = await firefox.wait_for(
        "!document.querySelector('[data-testid=error-message]').hidden"
        " && document.querySelector('[data-testid=error-message]').textContent"
    )
    assert shown.startswith(MISSING), shown
    assert await firefox.js("return window.errorCodes;") == ["share-missing"]

    # This Firefox has no sound output at all: the room's speaker list says so, disabled.
    speakers = await firefox.js(
        "const select = document.querySelector('[data-testid=speaker-select]');"
        "return [select.disabled, select.textContent];"
    )
    assert speakers == [True, "No speakers found: sound will play on the default output"]
