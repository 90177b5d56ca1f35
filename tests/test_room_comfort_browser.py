"""Never lost in a call (issue 16, acceptance 3 and 4): stopped media is said in plain
words within 2 s and cleared when it comes back; Leave and being replaced end with a
Rejoin button that brings the call back without a reload."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, WebSocketRoute, expect

from server.keys import BOARDS, STORE
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

WATCH_BOARD = """() => {
  const status = document.querySelector("[data-testid=board-status]");
  window.__boardStates = [];
  new MutationObserver(() => window.__boardStates.push(status.dataset.state))
    .observe(status, { attributes: true, attributeFilter: ["data-state"] });
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

    await expect(client.get_by_test_id("board-status")).to_have_attribute("data-state", "live")
    await client.evaluate(WATCH_DROP)
    await client.evaluate(WATCH_BOARD)
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

    # The board beside the video re-checked its own connection instead of assuming it.
    await client.wait_for_function("() => window.__boardStates.includes('checking')")
    await expect(client.get_by_test_id("board-status")).to_have_attribute("data-state", "live")

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


async def test_the_board_stops_saying_up_to_date_when_its_connection_stops_answering(
    contexts: ContextFactory, server: TestServer
) -> None:
    """The network goes while the socket still looks open (its heartbeat would take 40 s
    to notice): an edit left unconfirmed makes the board ask, and say it is not saved."""
    pair = await make_pair(server.app)
    page = await (await contexts()).new_page()
    blocked = False

    def route(ws: WebSocketRoute) -> None:
        if blocked:
            ws.close()  # a reconnect while the network is down fails
            return
        upstream = ws.connect_to_server()
        ws.on_message(lambda message: None if blocked else upstream.send(message))
        upstream.on_message(lambda message: None if blocked else ws.send(message))

    await page.route_web_socket(re.compile(r"/socket\.io/"), route)
    await page.goto(f"/i/{pair.invite}/board")
    status = page.get_by_test_id("board-status")
    await expect(status).to_have_attribute("data-state", "live", timeout=WAIT)
    await page.evaluate(WATCH_BOARD)

    blocked = True
    await page.get_by_test_id("goal-add-title").fill("Find a job in logistics")
    await page.get_by_test_id("goal-add").click()
    await expect(status).not_to_have_attribute("data-state", "live", timeout=WAIT)
    await expect(status).not_to_have_text("Up to date")
    await page.wait_for_function("() => window.__boardStates.includes('saving')", timeout=WAIT)

    blocked = False
    await expect(status).to_have_attribute("data-state", "live", timeout=WAIT)
    states = await page.evaluate("window.__boardStates")
    assert "live" not in states[:-1], states  # never "Up to date" while the edit waited
    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    board = (await server.app[BOARDS].snapshot(engagement)).state
    assert [goal["title"] for goal in board["goals"]] == ["Find a job in logistics"]
