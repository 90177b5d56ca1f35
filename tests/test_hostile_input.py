"""Hostile input at the packet level (docs/protocol.md, "Malformed packets"): every
malformed class gets the documented answer or the documented close, never `internal`,
never a traceback; a flood of it writes a bounded amount of log; `/room join` is
rate-limited so a flood of joins reaches the peer as a handful of presence events."""

from __future__ import annotations

import secrets

import pytest
from aiohttp.test_utils import TestServer

from server.keys import STORE
from signaling.protocol import (
    BOARD_NAMESPACE,
    MESSAGES_NAMESPACE,
    ROOM_NAMESPACE,
    TECHCHECK_NAMESPACE,
    TIMER_NAMESPACE,
)
from tests.helpers import FakeClock, make_pair
from tests.logcapture import Captured
from tests.rawsocket import RawSocket
from tests.sockets import Recorder

NAMESPACES = (ROOM_NAMESPACE, TIMER_NAMESPACE, BOARD_NAMESPACE, TECHCHECK_NAMESPACE)
ALL = (*NAMESPACES, MESSAGES_NAMESPACE)
UNREADABLE = {
    "ok": False,
    "error": "invalid",
    "message": "This message could not be read.",
    "field": "payload",
}


async def raw(server: TestServer, namespace: str, invite: str) -> RawSocket:
    socket = RawSocket(namespace)
    await socket.connect(str(server.make_url("/")), {"invite": invite})
    return socket


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def join() -> dict[str, str]:
    return {"device": secrets.token_urlsafe(16), "session": secrets.token_urlsafe(16)}


MALFORMED = (
    f'["join",{nested(5000)}]',  # deeper than the JSON decoder goes
    f"{nested(2000)}",
    '{"not": "a list"}',
    '"join"',
    "[]",
    "[12]",
    "[null, {}]",
    '["join",{"a":1}',  # truncated
)


@pytest.mark.parametrize("namespace", ALL)
async def test_undecodable_and_non_list_events_get_the_unreadable_ack(
    server: TestServer, log: Captured, namespace: str
) -> None:
    pair = await make_pair(server.app)
    socket = await raw(server, namespace, pair.invite)
    try:
        for body in MALFORMED:
            answer = await socket.ack(await socket.raw_event(body))
            assert answer["ok"] is False and answer["error"] == "invalid", (body[:40], answer)
        assert not socket.closed.is_set()
        assert (await socket.call("no-such-event", {}))["message"] == "Unknown event."
    finally:
        await socket.close()
    assert log.tracebacks == []


async def test_binary_placeholders_that_match_nothing_are_answered(
    server: TestServer, log: Captured
) -> None:
    pair = await make_pair(server.app)
    socket = await raw(server, ROOM_NAMESPACE, pair.invite)
    try:
        # One attachment announced, a placeholder pointing at the seventh.
        id = socket.new_id()
        placeholder = '{"_placeholder":true,"num":7}'
        await socket.send(f'451-{ROOM_NAMESPACE},{id}["join",{placeholder}]')
        await socket.send_bytes(b"\x00\x01")
        assert await socket.ack(id) == UNREADABLE
        # A well-formed attachment reaches the schema, which refuses bytes.
        id = socket.new_id()
        await socket.send(f'451-{ROOM_NAMESPACE},{id}["join",{{"_placeholder":true,"num":0}}]')
        await socket.send_bytes(b"\x00\x01")
        answer = await socket.ack(id)
        assert answer["error"] == "invalid" and answer["message"] != UNREADABLE["message"]
    finally:
        await socket.close()
    assert log.tracebacks == []


async def test_a_packet_over_the_size_cap_closes_the_socket_as_documented(
    server: TestServer, log: Captured
) -> None:
    pair = await make_pair(server.app)
    socket = await raw(server, ROOM_NAMESPACE, pair.invite)
    try:
        ok = await socket.call("media", {"audio": True, "video": True, "screen": False})
        assert ok["error"] == "not-joined", "the socket works before"
        await socket.raw_event(f'["media",{{"pad":"{"x" * (256 * 1024)}"}}]')
        await socket.closed.wait()
        assert socket.ws is not None and socket.ws.close_code == 1009
    finally:
        await socket.close()
    assert log.tracebacks == []


async def test_a_malformed_leave_is_refused_and_keeps_the_seat(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    client = Recorder(ROOM_NAMESPACE)
    recorders.append(client)
    await client.connect(str(server.make_url("/")), {"invite": pair.invite})
    assert (await client.call("join", {"device": client.device}))["ok"]
    seats = await server.app[STORE].seats(pair.engagement_id)
    for payload in ("leave", 1, [], {"now": True}, True):
        answer = await client.call("leave", payload)
        assert answer["ok"] is False and answer["error"] == "invalid", payload
    assert await server.app[STORE].seats(pair.engagement_id) == seats
    assert (await client.call("leave", {}))["ok"]
    assert await server.app[STORE].seats(pair.engagement_id) != seats


async def test_a_flood_of_malformed_packets_writes_a_bounded_log(
    server: TestServer, log: Captured
) -> None:
    """Counted, not timed: 6,000 bad packets of every class from one socket (more than
    a 10 s flood gets through the per-socket budget's refusals on this machine)."""
    pair = await make_pair(server.app)
    socket = await raw(server, ROOM_NAMESPACE, pair.invite)
    bodies = (*MALFORMED, '["connect",{}]', '["disconnect"]', '["join",{},{},{}]', '["x"]')
    try:
        for index in range(6000):
            await socket.raw_event(bodies[index % len(bodies)])
        last = await socket.emit("no-such-event")
        await socket.ack(last, timeout=60)
    finally:
        await socket.close()
    assert log.tracebacks == []
    assert log.size < 100 * 1024, log.size


async def test_a_thousand_joins_in_a_second_reach_the_peer_as_a_handful(
    server: TestServer, clock: FakeClock, recorders: list[Recorder]
) -> None:
    """docs/protocol.md: `join` 5 in a row, then 1 a second, per socket."""
    pair = await make_pair(server.app)
    coach = Recorder(ROOM_NAMESPACE)
    recorders.append(coach)
    await coach.connect(
        str(server.make_url("/")), {"engagement": pair.engagement_id}, cookie=pair.coach_cookie
    )
    assert (await coach.call("join", {"device": coach.device}))["ok"]
    client = await raw(server, ROOM_NAMESPACE, pair.invite)
    device = secrets.token_urlsafe(16)
    try:
        ids = []
        for _ in range(1000):
            clock.advance(0.001)
            ids.append(await client.emit("join", {"device": device}))
        answers = [await client.ack(id, timeout=60) for id in ids]
        accepted = [a for a in answers if a["ok"]]
        assert 1 <= len(accepted) <= 5 + 1, len(accepted)
        assert {a["error"] for a in answers if not a["ok"]} == {"throttled"}
        clock.advance(5)  # the socket's general budget refills
        # A barrier: the peer gets this after every presence the joins caused.
        state = {"audio": False, "video": True, "screen": False}
        assert (await client.call("media", state))["ok"]
        await coach.next("peer-media")
    finally:
        await client.close()
    presences = coach.queues["presence"].qsize()
    assert 1 <= presences <= len(accepted), presences
