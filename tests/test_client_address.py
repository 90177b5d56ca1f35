"""Per-address limits use the real client address (issue 7).

python-engineio reports REMOTE_ADDR = 127.0.0.1 for every aiohttp connection, so a limit
keyed on it would lump all clients together; these tests connect from two loopback
addresses and check that each gets its own bucket, and that X-Forwarded-For counts only
when the operator trusts a proxy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer

from rooms.addresses import client_address
from rooms.throttle import CONNECT_PER_ADDRESS
from server.app import create_app
from server.config import Settings
from signaling.protocol import (
    BOARD_NAMESPACE,
    MESSAGES_NAMESPACE,
    ROOM_NAMESPACE,
    TECHCHECK_NAMESPACE,
    TIMER_NAMESPACE,
)
from tests.helpers import FakeClock, make_pair
from tests.sockets import Recorder

CONNECT_FAILURES = CONNECT_PER_ADDRESS[0].failures
NAMESPACES = [
    ROOM_NAMESPACE,
    TIMER_NAMESPACE,
    BOARD_NAMESPACE,
    TECHCHECK_NAMESPACE,
    MESSAGES_NAMESPACE,
]


class From(Recorder):
    """A recorder whose connections leave from a chosen loopback address."""

    def __init__(self, source: str, namespace: str = ROOM_NAMESPACE) -> None:
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        super().__init__(namespace, http=aiohttp.ClientSession(connector=connector))


async def refusal(
    server: TestServer,
    source: str,
    headers: dict[str, str] | None = None,
    namespace: str = ROOM_NAMESPACE,
) -> str:
    recorder = From(source, namespace)
    errors: list[object] = []
    recorder.sio.on("connect_error", errors.append, namespace=namespace)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await recorder.connect(
                str(server.make_url("/")), {"invite": "not-a-real-invite"}, headers=headers
            )
    finally:
        await recorder.close()
    data = errors[0]
    assert isinstance(data, dict)
    return str(data["data"]["error"])


async def test_refused_connections_are_throttled_per_real_address(server: TestServer) -> None:
    for _ in range(CONNECT_FAILURES):
        assert await refusal(server, "127.0.0.2") == "unauthorized"
    assert await refusal(server, "127.0.0.2") == "throttled"
    assert await refusal(server, "127.0.0.1") == "unauthorized", "another address, own bucket"


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings, clock: FakeClock
) -> None:
    trusting = Settings(**{**_fields(settings), "trust_proxy": True})
    server = await aiohttp_server(create_app(trusting, clock=clock))
    for _ in range(CONNECT_FAILURES):
        await refusal(server, "127.0.0.1", {"X-Forwarded-For": "spoofed, 203.0.113.7"})
    assert await refusal(server, "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}) == "throttled"
    assert await refusal(server, "127.0.0.1", {"X-Forwarded-For": "203.0.113.8"}) == (
        "unauthorized"
    )


async def test_a_valid_invite_connects_after_fifty_bad_connects_from_its_address(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings, clock: FakeClock
) -> None:
    """A school's NAT: whoever got links wrong behind it, a real invite still gets in."""
    trusting = Settings(**{**_fields(settings), "trust_proxy": True})
    server = await aiohttp_server(create_app(trusting, clock=clock))
    pair = await make_pair(server.app)
    school = {"X-Forwarded-For": "198.51.100.20"}
    answers = [await refusal(server, "127.0.0.1", school) for _ in range(50)]
    assert answers == ["unauthorized"] * CONNECT_FAILURES + ["throttled"] * (50 - CONNECT_FAILURES)
    for namespace in (ROOM_NAMESPACE, TIMER_NAMESPACE, BOARD_NAMESPACE, TECHCHECK_NAMESPACE):
        recorder = Recorder(namespace)
        try:
            await recorder.connect(
                str(server.make_url("/")), {"invite": pair.invite}, headers=school
            )
            assert recorder.sio.connected
        finally:
            await recorder.close()
    coach = Recorder(ROOM_NAMESPACE)
    try:
        await coach.connect(
            str(server.make_url("/")),
            {"engagement": pair.engagement_id},
            cookie=pair.coach_cookie,
            headers=school,
        )
        assert coach.sio.connected
    finally:
        await coach.close()
    assert await refusal(server, "127.0.0.1", school) == "throttled", "guessing stays slow"


async def test_refusals_back_off_and_age_out(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings, clock: FakeClock
) -> None:
    trusting = Settings(**{**_fields(settings), "trust_proxy": True})
    server = await aiohttp_server(create_app(trusting, clock=clock))
    source = {"X-Forwarded-For": "198.51.100.21"}
    for _ in range(CONNECT_FAILURES):
        await refusal(server, "127.0.0.1", source)
    assert await refusal(server, "127.0.0.1", source) == "throttled"
    clock.advance(CONNECT_PER_ADDRESS[0].window + 1)
    assert await refusal(server, "127.0.0.1", source) == "unauthorized", "the first step ends"
    first, longest = CONNECT_PER_ADDRESS[0], CONNECT_PER_ADDRESS[-1]
    for _round in range(10):  # keep failing: the short step ends, until the long one holds
        while await refusal(server, "127.0.0.1", source) == "unauthorized":
            pass
        clock.advance(first.window + 1)
        if await refusal(server, "127.0.0.1", source) == "throttled":
            break
    else:
        raise AssertionError("the longest step never held")
    clock.advance(longest.window + 1)
    assert await refusal(server, "127.0.0.1", source) == "unauthorized", "it ages out too"


@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_every_namespace_counts_failures_by_the_forwarded_address(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    clock: FakeClock,
    namespace: str,
) -> None:
    """One Authenticator for all four: behind a trusted proxy, failures count against the
    address in X-Forwarded-For, never against the proxy's own (here 127.0.0.1)."""
    trusting = Settings(**{**_fields(settings), "trust_proxy": True})
    server = await aiohttp_server(create_app(trusting, clock=clock))
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(CONNECT_FAILURES):
        assert await refusal(server, "127.0.0.1", forwarded, namespace) == "unauthorized"
    assert await refusal(server, "127.0.0.1", forwarded, namespace) == "throttled"
    assert await refusal(server, "127.0.0.1", None, namespace) == "unauthorized", "the proxy"
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert await refusal(server, "127.0.0.1", other, namespace) == "unauthorized"


def test_the_header_is_ignored_unless_trusted() -> None:
    assert client_address("10.0.0.5", "1.2.3.4", trust_proxy=False) == "10.0.0.5"
    assert client_address("10.0.0.5", "1.2.3.4, 10.0.0.9", trust_proxy=True) == "10.0.0.9"
    assert client_address("10.0.0.5", "", trust_proxy=True) == "10.0.0.5"
    assert client_address(None, None, trust_proxy=False) == "unknown"


def _fields(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_every_namespace_refuses_with_a_code_the_page_can_read(
    server: TestServer, namespace: str
) -> None:
    recorder = Recorder(namespace)
    errors: list[object] = []
    recorder.sio.on("connect_error", errors.append, namespace=namespace)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await recorder.connect(str(server.make_url("/")), {"invite": "not-a-real-invite"})
    finally:
        await recorder.close()
    assert isinstance(errors[0], dict)
    assert errors[0]["data"]["error"] == "unauthorized"
    assert errors[0]["message"] == errors[0]["data"]["message"]
