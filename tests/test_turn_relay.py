"""Calls forced through a real coturn with the credentials Tandem issues (issue 16,
acceptance 6; issue 19, acceptance 4): two Chromium pages with `iceTransportPolicy: 'relay'`
(TANDEM_ICE_TRANSPORT_POLICY=relay) both decode the other's video, the tech check reports
the relayed path in plain words, and coturn refuses an expired credential.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from rooms.turn import turn_credential
from server.config import Settings
from tests.browser import ContextFactory
from tests.helpers import FakeClock, make_pair
from tests.test_room_browser import FRAMES, PLAYING, frames_rising, join_both, open_pages
from tests.turn_server import TurnServer

pytestmark = [pytest.mark.browser, pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

WAIT = 20_000
# Gathers with the given servers, relay only; the candidate types found and the
# icecandidateerror codes (401: the TURN server refused the credential).
GATHER = """async (servers) => {
  const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
  const types = [], errors = [];
  pc.onicecandidate = (event) => event.candidate && types.push(event.candidate.type);
  pc.onicecandidateerror = (event) => errors.push(event.errorCode);
  pc.createDataChannel('probe');
  await pc.setLocalDescription();
  await new Promise((resolve) => {
    const check = () => pc.iceGatheringState === 'complete' && resolve();
    pc.onicegatheringstatechange = check;
    check();
  });
  pc.close();
  return { types, errors };
}"""


@pytest.fixture
def clock() -> FakeClock:
    # coturn checks the credential's expiry against the real time, so this app's clock must
    # be the real one at the start of the test (the default fake clock is a fixed date).
    return FakeClock(time.time())


@pytest.fixture
def settings(data_dir: Path, turn_server: TurnServer) -> Settings:
    return Settings(
        data_dir=data_dir,
        turn_urls=(turn_server.url,),
        turn_secret=turn_server.secret,
        ice_transport_policy="relay",
    )


def allocated_for(turn: TurnServer, user: str) -> bool:
    """coturn's log names the user of every allocation it granted."""
    pattern = rf"user <\d+:{re.escape(user)}>: incoming packet ALLOCATE processed, success"
    return re.search(pattern, turn.log()) is not None


async def test_two_chromium_pages_forced_through_coturn_both_decode(
    contexts: ContextFactory, server: TestServer, turn_server: TurnServer
) -> None:
    pair = await make_pair(server.app)
    coach, client = await open_pages(contexts, pair)
    await join_both(coach, client)
    for page in (coach, client):
        await page.wait_for_function(PLAYING, timeout=WAIT)
        await frames_rising(page)
        assert await page.evaluate(FRAMES) > 0
    # Relay only, with Tandem's REST credentials: both sides allocated on our coturn.
    for role in ("coach", "client"):
        assert allocated_for(turn_server, f"{pair.engagement_id}-{role}"), turn_server.log()


async def test_coturn_refuses_an_expired_credential(
    contexts: ContextFactory, server: TestServer, turn_server: TurnServer
) -> None:
    page = await (await contexts()).new_page()
    await page.goto("/")
    user = "engagement-client"
    now = time.time()
    fresh = turn_credential(turn_server.secret, user, now + 600)
    expired = turn_credential(turn_server.secret, user, now - 60)

    def servers(credential: tuple[str, str]) -> list[dict[str, object]]:
        username, password = credential
        return [{"urls": [turn_server.url], "username": username, "credential": password}]

    good = await asyncio.wait_for(page.evaluate(GATHER, servers(fresh)), 30)
    assert "relay" in good["types"], good  # the same server and secret work when fresh
    bad = await asyncio.wait_for(page.evaluate(GATHER, servers(expired)), 30)
    assert bad["types"] == [] and 401 in bad["errors"], bad


async def test_the_tech_check_says_the_call_was_relayed(
    contexts: ContextFactory, server: TestServer, turn_server: TurnServer
) -> None:
    pair = await make_pair(server.app)
    page = await (await contexts()).new_page()
    await page.goto(f"/i/{pair.invite}/check")
    await page.get_by_test_id("camera-start").click()
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=step-camera]').dataset.outcome === 'pass'",
        timeout=WAIT,
    )
    await page.get_by_test_id("network-start").click()
    await page.wait_for_function(
        "() => ['pass', 'fail'].includes("
        "document.querySelector('[data-testid=step-network]').dataset.outcome)",
        timeout=30_000,
    )
    path = page.get_by_test_id("figure-ice_path")
    assert await path.text_content() == "Relayed by our server (TURN)"
    assert allocated_for(turn_server, f"{pair.engagement_id}-client-check"), turn_server.log()
