"""One way every namespace behaves (signaling/base.py, signaling/server.py): the same
documented answer to an unknown event, to extra positional arguments and to a client
sending a reserved name such as `connect`, on every namespace."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from server.keys import SIO, STORE
from signaling.protocol import (
    BOARD_NAMESPACE,
    MESSAGES_NAMESPACE,
    RESERVED_EVENTS,
    ROOM_NAMESPACE,
    TECHCHECK_NAMESPACE,
    TIMER_NAMESPACE,
    BoardEvent,
    Event,
    MessageEvent,
    TechCheckEvent,
    TimerEvent,
)
from tests.helpers import Pair, make_pair
from tests.sockets import Recorder

ROOT = Path(__file__).resolve().parent.parent
# A client → server event each namespace handles, and a server → client one it must not.
KNOWN = {
    ROOM_NAMESPACE: (Event.MEDIA, Event.PRESENCE),
    TIMER_NAMESPACE: (TimerEvent.PING, TimerEvent.STATE),
    BOARD_NAMESPACE: (BoardEvent.JOIN, BoardEvent.APPLIED),
    TECHCHECK_NAMESPACE: (TechCheckEvent.REPORT_LATEST, TechCheckEvent.ECHO_TAKEN_OVER),
    MESSAGES_NAMESPACE: (MessageEvent.READ, MessageEvent.RECEIPT),
}


def documented(message: str) -> dict[str, Any]:
    """The ack docs/protocol.md gives for `message`, read from the page itself."""
    text = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
    for snippet in re.findall(r"`(\{\"ok\": false[^`]*\})`", text):
        ack: dict[str, Any] = json.loads(snippet)
        if ack["message"] == message:
            return ack
    raise AssertionError(f"docs/protocol.md gives no ack for {message!r}")


async def connected(server: TestServer, pair: Pair, namespace: str) -> Recorder:
    recorder = Recorder(namespace)
    await recorder.connect(str(server.make_url("/")), {"invite": pair.invite})
    return recorder


def test_every_namespace_is_covered(server: TestServer) -> None:
    assert set(server.app[SIO].namespace_handlers) == set(KNOWN)


@pytest.mark.parametrize("namespace", sorted(KNOWN))
async def test_unknown_events_and_extra_arguments_get_the_documented_ack(
    server: TestServer, recorders: list[Recorder], namespace: str
) -> None:
    pair = await make_pair(server.app)
    recorder = await connected(server, pair, namespace)
    recorders.append(recorder)
    known, server_only = KNOWN[namespace]
    unknown = documented("Unknown event.")
    assert await recorder.call("no-such-event", {}) == unknown
    assert await recorder.call(server_only, {}) == unknown
    extra = documented("Send one payload with this event.")
    assert await recorder.call(known, ({}, {})) == extra
    assert await recorder.call(known, ({}, {}, "three")) == extra
    assert await recorder.call(known, {}) not in (unknown, extra), "one payload reaches it"


@pytest.mark.parametrize("namespace", sorted(KNOWN))
@pytest.mark.parametrize("name", sorted(RESERVED_EVENTS))
async def test_a_reserved_name_from_a_client_reaches_no_handler(
    server: TestServer, recorders: list[Recorder], namespace: str, name: str
) -> None:
    pair = await make_pair(server.app)
    recorder = await connected(server, pair, namespace)
    recorders.append(recorder)
    handler = server.app[SIO].namespace_handlers[namespace]
    before = dict(handler.sockets)
    auth = {"engagement": "someone-else"}
    assert await recorder.call(name, auth) == documented("Unknown event.")
    assert handler.sockets == before, "no record was rebuilt or dropped"
    assert recorder.sio.connected


async def test_a_fake_disconnect_leaves_the_seat_held(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    recorder = await connected(server, pair, ROOM_NAMESPACE)
    recorders.append(recorder)
    assert (await recorder.call("join", {"device": recorder.device}))["ok"]
    seats = await server.app[STORE].seats(pair.engagement_id)
    await recorder.call("disconnect", "transport close")
    assert await server.app[STORE].seats(pair.engagement_id) == seats
    assert (await recorder.call("media", {"audio": True, "video": True, "screen": False}))["ok"]
