"""The /techcheck namespace with real aiortc client peers through the real server
(issue 6, acceptance 1, 3, 4, 5 and 6).

Every WebRTC test runs on loopback only (`loopback_ice`, inside scripts/test's namespace).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from aiortc import RTCSessionDescription

from rooms.models import Role
from server.app import create_app
from server.config import Settings
from server.keys import SIO, STORE
from signaling.protocol import TECHCHECK_NAMESPACE, TechCheckEvent
from signaling.techcheck import TechCheckNamespace
from tests.helpers import FakeClock, Pair, eventually, make_pair
from tests.sockets import Recorder
from tests.test_echo import Client, decoder_threads

pytestmark = [pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

TIMEOUT = 20.0
ServerFactory = Callable[..., Awaitable[TestServer]]

REPORT = {
    "browser": "aiortc",
    "steps": {s: "pass" for s in ("browser", "camera", "microphone", "speakers", "network")},
    "network": {"rtt_ms": 2, "jitter_ms": 1, "packet_loss_pct": 0, "ice_path": "direct"},
}


@pytest.fixture
def make_server(
    aiohttp_server: Callable[..., Awaitable[TestServer]], data_dir: Path, clock: FakeClock
) -> ServerFactory:
    async def make(**overrides: Any) -> TestServer:
        settings = Settings(data_dir=data_dir, **overrides)
        return await aiohttp_server(create_app(settings, clock=clock))

    return make


def namespace(server: TestServer) -> TechCheckNamespace:
    handler = server.app[SIO].namespace_handlers[TECHCHECK_NAMESPACE]
    assert isinstance(handler, TechCheckNamespace)
    return handler


async def connect(
    server: TestServer, recorders: list[Recorder], pair: Pair, role: Role = Role.CLIENT
) -> Recorder:
    recorder = Recorder(TECHCHECK_NAMESPACE)
    recorders.append(recorder)
    url = str(server.make_url(""))
    if role is Role.CLIENT:
        await recorder.connect(url, {"invite": pair.invite})
    else:
        await recorder.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)
    return recorder


async def offer(recorder: Recorder, client: Client) -> dict[str, Any]:
    ack: dict[str, Any] = await recorder.call(
        TechCheckEvent.ECHO_OFFER, {"type": "offer", "sdp": await client.offer()}
    )
    if ack["ok"]:
        answer = ack["answer"]
        await client.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    return ack


def own_threads() -> int:
    """Threads other than the loop's default executor: that is a bounded pool the test's
    HTTP clients use for DNS lookups, which keeps its idle workers by design."""
    return sum(not t.name.startswith("asyncio_") for t in threading.enumerate())


def own_tasks() -> int:
    """Tasks other than engineio's per-socket ping loops, which notice a closed socket only
    at their next tick (ping_interval, 20 s) and then end on their own."""
    return sum("_send_ping" not in repr(t.get_coro()) for t in asyncio.all_tasks())


async def drop_socket(recorder: Recorder) -> None:
    """The transport ends without a Socket.IO goodbye, as when a laptop lid closes."""
    ws = recorder.sio.eio.ws
    if ws is not None:
        await ws.close()


async def test_client_gets_its_own_media_back_through_the_server_and_stats(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    check = await connect(server, recorders, pair)
    ice = await check.call(TechCheckEvent.ECHO_ICE)
    assert ice["ok"] and ice["iceServers"] == [] and ice["thresholds"]["rtt_ms"] == [300, 1000]
    assert ice["iceTransportPolicy"] == "all"
    client = Client()
    try:
        ack = await offer(check, client)
        assert ack["ok"] and ack["answer"]["type"] == "answer"
        async with asyncio.timeout(TIMEOUT):
            await client.frames.done.wait()  # decodable echoed video and 440 Hz audio
        stats = await check.call(TechCheckEvent.ECHO_STATS)
    finally:
        await client.close()
    assert stats["ok"], stats
    measured = stats["stats"]
    assert measured["connection_state"] == "connected" and measured["mode"] == "passthrough"
    assert measured["inbound"]["video"]["packets"] > 0
    assert measured["inbound"]["audio"]["packets"] > 0
    assert measured["outbound"]["video"]["packets"] > 0
    assert measured["transport"]["bytes_received"] > 0

    saved = await check.call(TechCheckEvent.REPORT_SAVE, {"report": REPORT})
    assert saved["ok"] and saved["report"]["readiness"] == "ready", saved
    latest = await check.call(TechCheckEvent.REPORT_LATEST)
    assert latest["report"] == saved["report"]
    assert (await check.call(TechCheckEvent.ECHO_STOP))["ok"]
    await eventually(lambda: namespace(server).echo.resources() == (0, 0, 0), TIMEOUT)


async def test_over_the_cap_is_busy_with_a_retry_hint_then_gets_in(
    make_server: ServerFactory, recorders: list[Recorder]
) -> None:
    server = await make_server(echo_max_sessions=2, echo_session_seconds=60)
    pairs = [await make_pair(server.app, client=name) for name in ("Kari", "Ola", "Siri")]
    checks = [await connect(server, recorders, pair) for pair in pairs]
    clients = [Client() for _ in range(3)]
    try:
        assert (await offer(checks[0], clients[0]))["ok"]
        assert (await offer(checks[1], clients[1]))["ok"]
        busy = await offer(checks[2], clients[2])
        assert busy["ok"] is False and busy["error"] == "busy", busy
        assert 1 <= busy["retry_after"] <= 60 and busy["message"]

        assert (await checks[0].call(TechCheckEvent.ECHO_STOP))["stopped"] is True
        clients.append(Client())  # the browser makes a fresh offer when it retries
        retried = await offer(checks[2], clients[3])
        assert retried["ok"], retried
        async with asyncio.timeout(TIMEOUT):
            await clients[3].connected.wait()
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def test_fifty_abrupt_endings_leave_nothing_behind(
    make_server: ServerFactory, recorders: list[Recorder]
) -> None:
    server = await make_server(echo_max_sessions=12)
    # One engagement per concurrent check: one person's second check would take the first over.
    pairs = [await make_pair(server.app, client=f"Client {n}") for n in range(10)]
    pair = pairs[0]
    echo = namespace(server).echo
    warm_up = await connect(server, recorders, pair)  # starts engineio's service task
    await warm_up.close()
    baseline_threads = own_threads()
    baseline_tasks = own_tasks()

    async def one(n: int) -> None:
        kind = n % 4
        check = await connect(server, recorders, pairs[n % len(pairs)])
        client = Client()
        try:
            if kind == 3:  # the socket dies while the offer is being answered
                sdp = await client.offer()
                await check.sio.emit(
                    TechCheckEvent.ECHO_OFFER, {"sdp": sdp}, namespace=TECHCHECK_NAMESPACE
                )
                await drop_socket(check)
                return
            assert (await offer(check, client))["ok"]
            async with asyncio.timeout(TIMEOUT):
                await client.connected.wait()
            if kind == 0:  # socket dropped; the browser's peer would still be sending
                await drop_socket(check)
            elif kind == 1:  # browser closed: peer and socket go at once
                await asyncio.gather(client.pc.close(), drop_socket(check))
            else:  # network gone: the peer vanishes, then the socket times out
                await client.vanish()
                await drop_socket(check)
        finally:
            # Let the server notice first, so it is the server that cleans up.
            await eventually(lambda: check.sio.eio.state != "connected", TIMEOUT)
            await check.close()
            await client.close()

    for batch in range(5):
        await asyncio.gather(*(one(i) for i in range(batch * 10, batch * 10 + 10)))

    await eventually(lambda: echo.resources() == (0, 0, 0), TIMEOUT)
    assert namespace(server).sockets == {}
    await eventually(lambda: decoder_threads() == 0, TIMEOUT)
    await eventually(lambda: own_threads() <= baseline_threads, TIMEOUT)
    await eventually(lambda: own_tasks() <= baseline_tasks, TIMEOUT)

    # And the service still serves.
    check = await connect(server, recorders, pair)
    client = Client()
    try:
        assert (await offer(check, client))["ok"]
        async with asyncio.timeout(TIMEOUT):
            await client.connected.wait()
    finally:
        await client.close()


async def test_one_invite_holds_at_most_one_echo_slot(
    make_server: ServerFactory, recorders: list[Recorder]
) -> None:
    """Issue 12, acceptance 6: a second tab of the same person takes the session over (the
    first is told) instead of taking a second of the few slots; others keep theirs."""
    server = await make_server(echo_max_sessions=3, echo_session_seconds=60)
    echo = namespace(server).echo
    pair = await make_pair(server.app)
    other = await make_pair(server.app, email="other@example.org", client="Ola")
    tabs = [await connect(server, recorders, pair) for _ in range(4)]
    clients = [Client() for _ in range(8)]
    try:
        assert (await offer(tabs[0], clients[0]))["ok"]
        async with asyncio.timeout(TIMEOUT):
            await clients[0].connected.wait()
        assert (await offer(tabs[1], clients[1]))["ok"]
        assert await tabs[0].next(TechCheckEvent.ECHO_TAKEN_OVER) == {}
        assert echo.resources().sessions == 1
        gone = await tabs[0].call(TechCheckEvent.ECHO_STATS)
        assert gone["ok"] is False and gone["error"] == "not-joined"
        assert (await tabs[1].call(TechCheckEvent.ECHO_STATS))["ok"]

        # Three tabs at once, with the coach and another engagement's client checking too.
        coach = await connect(server, recorders, pair, Role.COACH)
        stranger = await connect(server, recorders, other)
        acks = await asyncio.gather(
            offer(tabs[1], clients[2]),
            offer(tabs[2], clients[3]),
            offer(tabs[3], clients[4]),
            offer(coach, clients[5]),
            offer(stranger, clients[6]),
        )
        assert all(ack["ok"] for ack in acks), acks
        assert echo.resources().sessions == 3, "one each: this client, the coach, the other"
        holding = [
            tab for tab in tabs[1:] if (await tab.call(TechCheckEvent.ECHO_STATS))["ok"] is True
        ]
        assert len(holding) == 1
        # Every tab but the last to offer had its session taken over, and was told.
        told = [tab for tab in tabs[1:] if tab not in holding]
        await eventually(
            lambda: all(tab.pending(TechCheckEvent.ECHO_TAKEN_OVER) >= 1 for tab in told),
            TIMEOUT,
        )
        taken = sum(tab.pending(TechCheckEvent.ECHO_TAKEN_OVER) for tab in tabs[1:])
        assert taken in (2, 3), "three offers in a row replace two or three sessions"
        assert coach.pending(TechCheckEvent.ECHO_TAKEN_OVER) == 0
        assert stranger.pending(TechCheckEvent.ECHO_TAKEN_OVER) == 0
        for tab in (*holding, coach, stranger):
            assert (await tab.call(TechCheckEvent.ECHO_STOP))["stopped"] is True
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    await eventually(lambda: echo.resources() == (0, 0, 0), TIMEOUT)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "v=0",
        {"sdp": "garbage"},
        {"sdp": ""},
        {"sdp": 42},
        {"sdp": "v=0\r\n" + "a=x\r\n" * 20_000},  # ~100 KB: over the offer cap
        {"type": "answer", "sdp": "v=0\r\n"},
    ],
    ids=["none", "text", "garbage", "empty", "number", "oversized", "answer"],
)
async def test_bad_offers_get_a_clear_error_and_others_keep_checking(
    make_server: ServerFactory, recorders: list[Recorder], payload: object
) -> None:
    server = await make_server(echo_max_sessions=1)
    pair = await make_pair(server.app)
    bad = await connect(server, recorders, pair)
    ack = await bad.call(TechCheckEvent.ECHO_OFFER, payload)
    assert ack["ok"] is False and ack["error"] == "invalid" and ack["message"], ack
    assert namespace(server).echo.resources() == (0, 0, 0)

    good = await connect(server, recorders, pair)
    client = Client()
    try:
        assert (await offer(good, client))["ok"]  # the single slot was not leaked
        async with asyncio.timeout(TIMEOUT):
            await client.connected.wait()
    finally:
        await client.close()
    assert bad.sio.connected  # the sender of garbage is told, not cut off


async def test_reports_stay_within_their_own_engagement(
    server: TestServer, recorders: list[Recorder]
) -> None:
    mine = await make_pair(server.app)
    theirs = await make_pair(server.app, email="other@example.org", client="Ola")
    store = server.app[STORE]
    check = await connect(server, recorders, mine)

    sneaky = await check.call(
        TechCheckEvent.REPORT_SAVE, {"report": REPORT, "engagement": theirs.engagement_id}
    )
    assert sneaky["ok"] is False and sneaky["error"] == "invalid"
    inside = await check.call(
        TechCheckEvent.REPORT_SAVE, {"report": {**REPORT, "engagement": theirs.engagement_id}}
    )
    assert inside["ok"] is False and inside["error"] == "invalid"
    asked = await check.call(TechCheckEvent.REPORT_LATEST, {"engagement": theirs.engagement_id})
    assert asked["ok"] is False

    theirs_check = await connect(server, recorders, theirs)
    assert (await theirs_check.call(TechCheckEvent.REPORT_SAVE, {"report": REPORT}))["ok"]
    assert (await check.call(TechCheckEvent.REPORT_LATEST))["report"] is None
    assert (await check.call(TechCheckEvent.REPORT_SAVE, {"report": REPORT}))["ok"]
    assert len(await store.techchecks_of(mine.engagement_id)) == 1
    assert len(await store.techchecks_of(theirs.engagement_id)) == 1

    # A coach's cookie reaches only that coach's engagements.
    with pytest.raises(Exception, match="One or more namespaces failed"):
        await connect(
            server,
            recorders,
            Pair(theirs.engagement_id, mine.coach_cookie, "", 60),
            role=Role.COACH,
        )
    coach_check = await connect(server, recorders, mine, role=Role.COACH)
    saved = await coach_check.call(TechCheckEvent.REPORT_SAVE, {"report": REPORT})
    assert saved["ok"] and saved["report"]["role"] == "coach"
    assert len(await store.techchecks_of(theirs.engagement_id)) == 1
