"""Property-based fuzzing of every documented event of every namespace (issue 12).

hypothesis generates events (every client → server name a namespace handles, reserved
names, made-up names) with malformed payloads (any JSON, deeply nested, extra positional
arguments) and raw packets (JSON nested up to 3,000 deep, undecodable bodies, non-list
events), sent by the client of
an engagement over real Socket.IO connections to the real app, while its coach sits in
the room and on the board. Every ack must carry a documented code (never `internal`),
nothing may log a traceback, and afterwards the coach still gets the client's relayed
signal and both people read the same board.

Bounded by time, not examples: `TANDEM_FUZZ_SECONDS` (default 45) in `make test`;
`TANDEM_FUZZ_SECONDS=600 ./scripts/test tests/test_fuzz.py` for the 10-minute run
(docs/testing.md). Rounds of examples each use a fixed seed (round number) and no example
database, so a run is reproducible: a failure names the round's seed.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from rooms.errors import ErrorCode
from server.keys import SIO
from signaling.base import Namespace
from signaling.protocol import (
    BOARD_NAMESPACE,
    MESSAGES_NAMESPACE,
    RESERVED_EVENTS,
    ROOM_NAMESPACE,
    TECHCHECK_NAMESPACE,
    TIMER_NAMESPACE,
)
from tests.boards import Mirror
from tests.helpers import FakeClock, make_pair
from tests.logcapture import Captured
from tests.rawsocket import RawSocket
from tests.sockets import Recorder

SECONDS = float(os.environ.get("TANDEM_FUZZ_SECONDS", "45"))
ROUND = 60  # examples per seeded round
NAMESPACES = (ROOM_NAMESPACE, BOARD_NAMESPACE, TIMER_NAMESPACE, TECHCHECK_NAMESPACE)
ALL = (*NAMESPACES, MESSAGES_NAMESPACE)
# What an ack may say: every code but the bug, the connect-only refusal, and the store
# being away (it is a local SQLite file here).
DOCUMENTED = {c.value for c in ErrorCode} - {"internal", "unauthorized", "unavailable"}

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                ["device", "session", "op", "id", "text", "type", "since", "to", "kind", "x"]
            )
            | st.text(max_size=10),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def event_names(server: TestServer, namespace: str) -> list[str]:
    handler = server.app[SIO].namespace_handlers[namespace]
    assert isinstance(handler, Namespace)
    return sorted(handler._handlers)


def check(ack: Any, what: object) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (what, ack)
    if ack["ok"] is False:
        assert ack["error"] in DOCUMENTED, (what, ack)
        assert isinstance(ack["message"], str) and ack["message"], (what, ack)


@pytest.mark.timeout(SECONDS + 120)  # the suite's per-test limit would cut a long run
async def test_fuzzed_events_get_documented_answers_and_hurt_nobody(
    server: TestServer, clock: FakeClock, log: Captured, recorders: list[Recorder]
) -> None:
    url = str(server.make_url("/"))
    pair = await make_pair(server.app)
    coach_auth = {"engagement": pair.engagement_id}
    coaches: dict[str, Recorder] = {}
    clients: dict[str, Recorder] = {}
    for namespace in ALL:
        coaches[namespace] = Recorder(namespace)
        clients[namespace] = Recorder(namespace)
        recorders += [coaches[namespace], clients[namespace]]
        await coaches[namespace].connect(url, coach_auth, cookie=pair.coach_cookie)
        await clients[namespace].connect(url, {"invite": pair.invite})
    raws = {ns: RawSocket(ns) for ns in (ROOM_NAMESPACE, BOARD_NAMESPACE)}
    for raw in raws.values():
        await raw.connect(url, {"invite": pair.invite})
    coach_session = secrets.token_urlsafe(16)
    room_coach = coaches[ROOM_NAMESPACE]
    join = {"device": room_coach.device, "session": coach_session}
    assert (await room_coach.call("join", join))["ok"]
    coach_board = Mirror(await coaches[BOARD_NAMESPACE].call("join", {}))

    names = {ns: event_names(server, ns) for ns in ALL}
    loop = asyncio.get_running_loop()
    stop = time.monotonic() + SECONDS
    calls = {"sent": 0}

    async def one(namespace: str, name: str, args: tuple[Any, ...]) -> None:
        clock.advance(0.25)  # budgets refill, so most examples reach a handler
        ack = await clients[namespace].sio.call(name, args, namespace=namespace, timeout=30)
        check(ack, (namespace, name, args))
        calls["sent"] += 1

    async def raw_one(namespace: str, body: str) -> None:
        clock.advance(0.25)
        raw = raws[namespace]
        check(await raw.ack(await raw.raw_event(body), timeout=30), (namespace, body[:80]))
        calls["sent"] += 1

    def run(coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    event = st.sampled_from(ALL).flatmap(
        lambda ns: st.tuples(
            st.just(ns),
            st.sampled_from(names[ns]) | st.sampled_from(sorted(RESERVED_EVENTS)) | st.text(),
            st.lists(json_value, max_size=3).map(tuple),
        )
    )
    raw_body = st.tuples(
        st.sampled_from(sorted(raws)),
        st.one_of(
            st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
            st.text(max_size=60),
            st.sampled_from(names[BOARD_NAMESPACE]).map(lambda n: f'["{n}",{{}}'),
        ).filter(lambda body: not body[:1].isdigit()),
    )
    example = st.one_of(event.map(lambda e: ("event", e)), raw_body.map(lambda r: ("raw", r)))

    def fuzz_round(number: int) -> None:
        @seed(number)
        @settings(
            max_examples=ROUND,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(example)
        def property(case: tuple[str, Any]) -> None:
            if time.monotonic() > stop:
                return
            kind, body = case
            run(one(*body) if kind == "event" else raw_one(*body))

        property()

    number = 0
    while time.monotonic() < stop:
        await asyncio.to_thread(fuzz_round, number)
        number += 1
    assert calls["sent"] > ROUND, "the fuzzer sent something"

    # The peer is unaffected: the client takes its seat again and its signal reaches the
    # coach; both read the board the coach has been folding live.
    clock.advance(60)
    room_client = clients[ROOM_NAMESPACE]
    assert (await room_client.call("join", {"device": room_client.device}))["ok"]
    candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}
    signal = {"candidate": {**candidate, "sdpMLineIndex": 0}, "to": coach_session}
    assert (await room_client.call("signal", signal))["ok"]
    relayed = await room_coach.next("signal")
    while relayed.get("candidate", {}).get("candidate") != candidate["candidate"]:
        relayed = await room_coach.next("signal")
    while not coaches[BOARD_NAMESPACE].queues["applied"].empty():
        coach_board.take(coaches[BOARD_NAMESPACE].queues["applied"].get_nowait())
    fresh_coach = await coaches[BOARD_NAMESPACE].call("join", {})
    fresh_client = await clients[BOARD_NAMESPACE].call("join", {})
    assert fresh_coach["snapshot"] == fresh_client["snapshot"] == coach_board.state
    assert fresh_coach["version"] == fresh_client["version"] == coach_board.version
    for raw in raws.values():
        await raw.close()
    assert log.tracebacks == [], log.tracebacks[:3]
