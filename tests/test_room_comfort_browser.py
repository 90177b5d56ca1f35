"""Never lost in a call (issue 16, acceptance 3 and 4): stopped media is said in plain
words within 2 s and cleared when it comes back; Leave and being replaced end with a
Rejoin button that brings the call back without a reload."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect

from tests.browser import ContextFactory
from tests.helpers import make_pair
from tests.test_room_browser import join_both, open_pages, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]
WAIT = 20_000

# Test-only: keep the page's peer connections reachable, to cut and restore their media.
KEEP_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();
"""
# Every sender of the page's live connection stops sending; the tracks are kept to restore.
CUT = """() => {
  const pc = window.__pcs.filter((p) => p.connectionState !== "closed").at(-1);
  window.__cut = pc.getSenders().filter((s) => s.track).map((s) => [s, s.track]);
  return Promise.all(window.__cut.map(([s]) => s.replaceTrack(null))).then(() => Date.now());
}"""
RESTORE = "() => Promise.all(window.__cut.map(([s, t]) => s.replaceTrack(t)))"
# Resolves with the wall-clock time the overlay first says the connection dropped (null
# when it never does within 10 s).
WATCH_DROP = """() => {
  const overlay = document.querySelector("[data-testid=peer-status]");
  window.__dropped = new Promise((resolve) => {
    setTimeout(() => resolve(null), 10000);
    new MutationObserver(() => {
      if (overlay.dataset.state === "dropped") resolve(Date.now());
    }).observe(overlay, { attributes: true });
  });
}"""


async def quality_words(page: Page) -> str:
    return (await page.get_by_test_id("quality-words").text_content()) or ""


async def test_stopped_media_shows_the_overlay_within_2_s_and_clears_when_it_returns(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach, client = await open_pages(contexts, pair)
    await coach.context.add_init_script(KEEP_PEER_CONNECTIONS)
    await coach.reload()
    await join_both(coach, client)
    await wait_connected(coach, client)
    await expect(client.get_by_test_id("quality-words")).to_have_text("Good", timeout=WAIT)

    await client.evaluate(WATCH_DROP)
    cut_at = await coach.evaluate(CUT)
    dropped_at = await client.evaluate("window.__dropped")
    assert dropped_at is not None, "the overlay never said the connection dropped"
    print(f"overlay {dropped_at - cut_at} ms after the media stopped")
    assert dropped_at - cut_at < 2000, f"overlay after {dropped_at - cut_at} ms"
    overlay = client.get_by_test_id("peer-status")
    await expect(overlay).to_be_visible()
    await expect(overlay).to_contain_text("The connection dropped")
    await expect(client.get_by_test_id("quality-words")).to_have_text("Reconnecting")
    await expect(client.get_by_test_id("quality")).to_have_attribute("data-level", "reconnecting")
    await expect(client.get_by_test_id("status")).to_have_text("Connection lost. Reconnecting…")

    await coach.evaluate(RESTORE)
    await expect(overlay).to_be_hidden(timeout=WAIT)
    await expect(client.get_by_test_id("quality-words")).not_to_have_text("Reconnecting")
    assert await quality_words(client) in ("Good", "Weak: video may pause")


async def test_the_client_sees_no_figures_and_the_coach_finds_them_behind_details(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach, client = await open_pages(contexts, pair)
    await join_both(coach, client)
    await wait_connected(coach, client)
    await expect(coach.get_by_test_id("quality-figures")).to_contain_text("kbit/s", timeout=WAIT)
    await expect(coach.get_by_test_id("quality-figures")).to_be_hidden()
    await coach.get_by_test_id("quality-details").locator("summary").click()
    await expect(coach.get_by_test_id("quality-figures")).to_be_visible()
    shown = await client.get_by_test_id("room").inner_text()
    for jargon in ("kbit/s", "ms ·", "jitter", "Path"):
        assert jargon not in shown, jargon
    assert await client.get_by_test_id("quality-details").count() == 0


async def test_after_leave_rejoin_brings_the_call_back_without_a_reload(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach, client = await open_pages(contexts, pair)
    await join_both(coach, client)
    await wait_connected(coach, client)
    await client.evaluate("window.__samePage = true")

    await client.get_by_test_id("leave").click()
    await expect(client.get_by_test_id("rejoin")).to_be_visible(timeout=WAIT)
    await expect(client.get_by_test_id("peer-status")).to_contain_text("Rejoin the session")
    await expect(coach.get_by_test_id("peer-status")).to_contain_text("has left", timeout=WAIT)

    await client.get_by_test_id("rejoin").click()
    await wait_connected(client, coach)
    await expect(client.get_by_test_id("rejoin")).to_be_hidden()
    await expect(client.get_by_test_id("controls")).to_be_visible()
    await expect(coach.get_by_test_id("peer-status")).to_be_hidden(timeout=WAIT)
    assert await client.evaluate("window.__samePage") is True


async def test_a_replaced_tab_can_take_the_call_back(
    contexts: ContextFactory, server: TestServer
) -> None:
    pair = await make_pair(server.app)
    coach, first_tab = await open_pages(contexts, pair)
    await join_both(coach, first_tab)
    await wait_connected(coach, first_tab)
    await first_tab.evaluate("window.__samePage = true")

    second_tab = await first_tab.context.new_page()
    await second_tab.goto(f"/i/{pair.invite}/room")
    await second_tab.get_by_test_id("join").click()
    await expect(first_tab.get_by_test_id("rejoin")).to_be_visible(timeout=WAIT)
    await wait_connected(second_tab)

    await first_tab.get_by_test_id("rejoin").click()
    await wait_connected(first_tab, coach)
    await expect(second_tab.get_by_test_id("rejoin")).to_be_visible(timeout=WAIT)
    assert await first_tab.evaluate("window.__samePage") is True
