"""/metrics (issue 18, acceptance 1): Prometheus text that parses, counters that move with
a call, a board op and a tech check, a bearer token or a listed address to read it, and
nothing in it that names anyone.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.config import Settings
from server.keys import STORE
from signaling.protocol import (
    BOARD_NAMESPACE,
    MESSAGES_NAMESPACE,
    TECHCHECK_NAMESPACE,
    TIMER_NAMESPACE,
    MessageEvent,
    TechCheckEvent,
)
from tests.boards import board_coach
from tests.conftest import ClientFactory
from tests.helpers import FakeClock, eventually, make_pair
from tests.redis_server import RedisServer
from tests.sockets import Recorder, client, coach
from tests.test_echo import Client
from tests.test_techcheck_signaling import REPORT, connect, offer

TOKEN = "metrics-secret-token-123"
OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, metrics_token=TOKEN, echo_max_sessions=1)


async def scrape(server: TestServer, token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.make_url("/metrics"), headers=headers) as answer,
    ):
        return answer.status, await answer.text()


def samples(text: str) -> Samples:
    """Every sample by name and labels; the parser raises on anything not Prometheus text."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.webrtc
@pytest.mark.usefixtures("loopback_ice")
async def test_a_call_a_board_op_and_a_tech_check_move_the_counters(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app, email="ada.lovelace@example.org", client="Kari Nordmann")
    url = str(server.make_url(""))
    status, text = await scrape(server)
    assert status == 200
    before = samples(text)

    c, k = await coach(url, pair), await client(url, pair)
    recorders += [c, k]
    assert (await c.call("join", {"device": c.device}))["ok"]
    assert (await k.call("join", {"device": k.device}))["ok"]
    assert (await c.call("signal", OFFER))["ok"]
    assert (await k.call("connected", {"setup_ms": 1800}))["ok"]
    assert (await k.call("connected", {"setup_ms": "soon"}))["error"] == "invalid"

    timer = Recorder(TIMER_NAMESPACE)
    recorders.append(timer)
    await timer.connect(url, {"invite": pair.invite})
    assert (await timer.call("timer:join", {}))["ok"]

    b = await board_coach(url, pair)
    recorders.append(b)
    assert (await b.call("join"))["ok"]
    op = {
        "type": "add",
        "collection": "goals",
        "id": "goal-1",
        "fields": {"title": "Apply for two"},
    }
    assert (await b.call("op", {"op_id": "op-000001", "base_version": 0, "op": op}))["ok"]

    # Another engagement's check: a person's own second offer would replace their first.
    other_pair = await make_pair(server.app, client="Ola")
    first, second = (
        await connect(server, recorders, pair),
        await connect(server, recorders, other_pair),
    )
    peer, other = Client(), Client()
    try:
        assert (await offer(first, peer))["ok"]
        busy = await offer(second, other)
        assert busy.get("error") == "busy", busy
        assert (await first.call(TechCheckEvent.REPORT_SAVE, {"report": REPORT}))["ok"]
        status, text = await scrape(server)
    finally:
        await peer.close()
        await other.close()
    after = samples(text)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert value(after, "tandem_sockets_connected", namespace="/room") == 2
    assert value(after, "tandem_sockets_connected", namespace=BOARD_NAMESPACE) == 1
    assert value(after, "tandem_sockets_connected", namespace=TECHCHECK_NAMESPACE) == 2
    assert value(after, "tandem_seats_held") == 2
    assert value(after, "tandem_rooms_in_call") == 1
    assert moved("tandem_socket_messages_total", namespace="/room", event="join") == 2
    assert moved("tandem_socket_messages_total", namespace="/room", event="signal") == 1
    assert moved("tandem_socket_errors_total", namespace="/room", event="connected", code="invalid")
    assert moved("tandem_call_setup_seconds_count") == 1
    assert moved("tandem_call_setup_seconds_sum") == pytest.approx(1.8)
    assert moved("tandem_board_ops_total", outcome="applied") == 1
    assert moved("tandem_board_commit_seconds_count") == 1
    assert value(after, "tandem_echo_sessions") == 1
    assert moved("tandem_echo_refused_total") == 1
    report_saves = moved(
        "tandem_socket_messages_total", namespace=TECHCHECK_NAMESPACE, event="report:save"
    )
    assert report_saves == 1
    assert moved("tandem_store_seconds_count", backend="sqlite") > 10
    assert value(after, "process_resident_memory_bytes") > 0
    assert value(after, "process_cpu_seconds_total") > 0
    assert moved("tandem_timer_events_total", event="timer:join") == 1

    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    for secret in (
        pair.invite,
        pair.coach_cookie,
        pair.engagement_id,
        "ada.lovelace@example.org",
        "Kari Nordmann",
        "Kari",
        "Apply for two",
        c.sio.namespaces["/room"],  # the socket ids
        k.sio.namespaces["/room"],
    ):
        assert secret not in text


async def test_unknown_event_names_do_not_become_labels(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c = await coach(str(server.make_url("")), pair)
    recorders.append(c)
    await c.sio.emit("made-up-event-9f3a", {}, namespace="/room")
    await c.call("join", {"device": c.device})  # handled after the unknown one
    messages = Recorder(MESSAGES_NAMESPACE)
    recorders.append(messages)
    await messages.connect(str(server.make_url("")), {"invite": pair.invite})
    await messages.call(MessageEvent.OLDER, {})  # a namespace added after /metrics was
    _, text = await scrape(server)
    assert "made-up-event-9f3a" not in text
    found = samples(text)
    assert value(found, "tandem_socket_messages_total", namespace="/room", event="unknown") == 1
    older = {"namespace": MESSAGES_NAMESPACE, "event": "older"}
    assert value(found, "tandem_socket_messages_total", **older) == 1


async def test_without_the_token_it_is_401_and_a_wrong_one_too(server: TestServer) -> None:
    assert (await scrape(server, token=None))[0] == 401
    assert (await scrape(server, token="not-it"))[0] == 401
    assert (await scrape(server))[0] == 200


async def test_listed_addresses_need_no_token_and_nothing_is_open_by_default(
    aiohttp_server: object, data_dir: Path, clock: FakeClock
) -> None:
    make = aiohttp_server
    closed = await make(create_app(Settings(data_dir=data_dir / "a"), clock=clock))  # type: ignore[operator]
    assert (await scrape(closed, token=None))[0] == 403
    listed = Settings(data_dir=data_dir / "b", metrics_allow=("127.0.0.0/8",))
    opened = await make(create_app(listed, clock=clock))  # type: ignore[operator]
    status, text = await scrape(opened, token=None)
    assert status == 200 and "tandem_sockets_connected" in text
    other = Settings(data_dir=data_dir / "c", metrics_allow=("10.0.0.0/8",), metrics_token=TOKEN)
    elsewhere = await make(create_app(other, clock=clock))  # type: ignore[operator]
    assert (await scrape(elsewhere, token=None))[0] == 401


@pytest.mark.redis
async def test_the_event_loop_lag_is_sampled(server: TestServer) -> None:
    async def sampled() -> bool:
        return value(samples((await scrape(server))[1]), "tandem_event_loop_lag_seconds_count") > 0

    await eventually(sampled)


async def test_redis_store_calls_errors_and_publishing_are_counted(
    make_client: ClientFactory, redis_server: RedisServer, recorders: list[Recorder]
) -> None:
    http = await make_client(redis_url=redis_server.url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    pair = await make_pair(http.app)
    c = await coach(str(http.make_url("")), pair)
    recorders.append(c)
    assert (await c.call("join", {"device": c.device}))["ok"]  # presence goes out via Redis
    before = samples(await (await http.get("/metrics", headers=headers)).text())
    assert value(before, "tandem_redis_publish_seconds_count") > 0
    await c.close()
    redis_server.stop()
    assert (await http.get("/readyz")).status == 503
    after = samples(await (await http.get("/metrics", headers=headers)).text())
    failed = ("tandem_store_errors_total", {"backend": "redis", "code": "unavailable"})
    assert value(after, failed[0], **failed[1]) > value(before, failed[0], **failed[1])
    assert value(after, "tandem_store_seconds_count", backend="redis") > 0
