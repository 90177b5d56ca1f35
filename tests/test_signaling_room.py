"""The /room namespace over real Socket.IO connections to a real server (issue 3)."""

from __future__ import annotations

import asyncio

import pytest
import socketio
from aiohttp.test_utils import TestServer

from rooms.models import Role
from server.keys import STORE
from signaling.room import JOIN_RATE, RATE
from tests.helpers import FakeClock, make_pair
from tests.sockets import Recorder, client, coach

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"}}
CANDIDATE = {
    "candidate": {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    }
}


def url(server: TestServer) -> str:
    return str(server.make_url("/"))


async def joined(recorder: Recorder, **extra: object) -> dict[str, object]:
    ack = await recorder.call("join", {"device": recorder.device, **extra})
    assert ack["ok"] is True, ack
    return dict(ack)


async def test_coach_and_client_join_see_each_other_and_signal(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    first = await joined(k)
    assert first["role"] == "client" and first["polite"] is True
    assert first["presence"] == {
        "coach": "away",
        "client": "here",
        "sessions": {"client": k.device},  # no session given: the device key stands in
    }
    assert (await joined(c))["polite"] is False
    assert await k.until("presence", lambda p: p["coach"] == "here")

    assert (await c.call("signal", OFFER))["ok"] is True
    relayed = await k.next("signal")
    assert relayed == {"from": "coach", "session": c.device, "to": None, **OFFER}
    assert (await k.call("signal", ANSWER))["ok"] is True
    assert (await c.next("signal"))["description"]["type"] == "answer"
    assert (await k.call("signal", CANDIDATE))["ok"] is True
    assert (await c.next("signal"))["candidate"]["sdpMLineIndex"] == 0
    assert c.pending("signal") == 0 and k.pending("signal") == 0  # nothing echoed back


async def test_mute_state_reaches_the_other_side(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(c)
    await joined(k)
    assert (await k.call("media", {"audio": False, "video": True, "screen": False}))["ok"]
    assert await c.next("peer-media") == {
        "role": "client",
        "audio": False,
        "video": True,
        "screen": False,
    }


async def test_a_third_person_is_refused_with_room_full(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, k, third = (
        await coach(url(server), pair),
        await client(url(server), pair),
        await client(url(server), pair),
    )
    recorders += [c, k, third]
    await joined(c)
    await joined(k)
    ack = await third.call("join", {"device": third.device})
    assert ack["ok"] is False
    assert ack["error"] == "room-full"
    assert "two people" in ack["message"]
    assert (await third.call("signal", OFFER))["error"] == "not-joined"
    seats = await server.app[STORE].seats(pair.engagement_id)
    assert {seats[Role.COACH].sid, seats[Role.CLIENT].sid} == {
        c.sio.get_sid("/room"),
        k.sio.get_sid("/room"),
    }


async def test_fifty_concurrent_joins_yield_exactly_two_seats(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    people = [await (coach if i % 2 else client)(url(server), pair) for i in range(50)]
    recorders += people
    acks = await asyncio.gather(*(p.call("join", {"device": p.device}) for p in people))
    assert sum(ack["ok"] for ack in acks) == 2
    assert {ack["error"] for ack in acks if not ack["ok"]} == {"room-full"}
    assert len(await server.app[STORE].seats(pair.engagement_id)) == 2


async def test_a_page_over_its_join_budget_still_hears_room_full_when_the_room_is_full(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    """docs/protocol.md, join: the seat-taking budget (5, then 1 a second) throttles only a
    join that would take the seat; one that loses to another device is told room-full."""
    pair = await make_pair(server.app)
    page, other = await client(url(server), pair), await client(url(server), pair)
    recorders += [page, other]
    for _ in range(int(JOIN_RATE.burst)):  # the clock stands still: the budget is spent
        await joined(page)
        assert (await page.call("leave", {}))["ok"] is True
    await joined(other)
    for _ in range(3):
        refused = await page.call("join", {"device": page.device})
        assert refused["error"] == "room-full", refused
    assert (await other.call("leave", {}))["ok"] is True
    assert (await page.call("join", {"device": page.device}))["error"] == "throttled"
    clock.advance(1 / JOIN_RATE.per_second)
    await joined(page)


async def test_same_browser_takes_over_its_seat_and_the_old_tab_is_told(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, old = await coach(url(server), pair), await client(url(server), pair)
    new = await client(url(server), pair)
    new.device = old.device  # a second tab shares the browser's device key
    recorders += [c, old, new]
    await joined(c)
    await joined(old)
    await joined(new)
    replaced = await old.next("replaced")
    assert "another window" in replaced["message"] and replaced["reason"] == "same-browser"
    await old.next("disconnect")
    # The coach still relays to the client: now the new tab, and only it.
    await c.call("signal", OFFER)
    assert (await new.next("signal"))["from"] == "coach"
    assert old.pending("signal") == 0


async def test_credentials_of_one_engagement_reach_nothing_of_another(
    server: TestServer, recorders: list[Recorder]
) -> None:
    x = await make_pair(server.app, "x@example.org", "Client X")
    y = await make_pair(server.app, "y@example.org", "Client Y")
    cy, ky, kx = (
        await coach(url(server), y),
        await client(url(server), y),
        await client(url(server), x),
    )
    recorders += [cy, ky, kx]
    await joined(cy)
    await joined(ky)
    await joined(kx)
    await cy.call("signal", OFFER)
    await ky.next("signal")
    await cy.call("media", {"audio": False, "video": False, "screen": False})
    await ky.next("peer-media")
    assert kx.pending("signal") == 0 and kx.pending("peer-media") == 0
    assert (await kx.call("join", {"device": kx.device}))["presence"]["coach"] == "away"

    # Coach X's cookie with engagement Y's id is refused at connect.
    intruder = Recorder()
    recorders.append(intruder)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await intruder.connect(url(server), {"engagement": y.engagement_id}, cookie=x.coach_cookie)
    for auth in ({"invite": "x" * 43}, {}, {"engagement": y.engagement_id}):
        stranger = Recorder()
        recorders.append(stranger)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await stranger.connect(url(server), auth)


async def test_a_foreign_origin_is_refused(server: TestServer, recorders: list[Recorder]) -> None:
    pair = await make_pair(server.app)
    stranger = Recorder()
    recorders.append(stranger)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await stranger.connect(
            url(server), {"invite": pair.invite}, headers={"Origin": "https://evil.example"}
        )
    same_site = Recorder()
    recorders.append(same_site)
    await same_site.connect(
        url(server), {"invite": pair.invite}, headers={"Origin": url(server).rstrip("/")}
    )


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "offer",
        [],
        {},
        {"description": OFFER["description"], "candidate": CANDIDATE["candidate"]},
        {"description": {"type": "bogus", "sdp": "v=0"}},
        {"description": {"type": "offer", "sdp": 12}},
        {"description": {"type": "offer", "sdp": "not sdp"}},
        {"description": {"type": "offer", "sdp": "v=0" + "a" * 70_000}},
        {"candidate": {"candidate": "c" * 3000}},
        {"candidate": {"candidate": "candidate:1", "sdpMLineIndex": "0"}},
        {"candidate": {"candidate": "candidate:1", "sdpMLineIndex": True}},
        {"candidate": {"candidate": "candidate:1", "sdpMid": ["0"]}},
        ANSWER,  # out of order: no offer to answer
    ],
)
async def test_bad_signals_get_error_acks_and_the_call_carries_on(
    server: TestServer, recorders: list[Recorder], payload: object
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(c)
    await joined(k)
    ack = await k.call("signal", payload)
    assert ack["ok"] is False
    assert ack["error"] in ("invalid", "conflict")
    assert ack["message"]
    assert (await c.call("signal", OFFER))["ok"] is True
    assert (await k.next("signal"))["description"]["type"] == "offer"
    assert (await k.call("signal", ANSWER))["ok"] is True
    assert c.pending("signal") == 0 or (await c.next("signal"))["description"]["type"] == "answer"


async def test_bad_join_payloads_are_rejected_and_take_no_seat(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    k = await client(url(server), pair)
    recorders.append(k)
    for payload in (
        None,
        {},
        {"device": "short"},
        {"device": "x" * 65},
        {"device": k.device, "takeover": "yes"},
        {"device": "bad key with spaces!"},
    ):
        assert (await k.call("join", payload))["error"] == "invalid"
    assert await server.app[STORE].seats(pair.engagement_id) == {}


async def test_signal_floods_are_throttled_per_connection(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(c)
    await joined(k)
    acks = [await k.call("signal", CANDIDATE) for _ in range(230)]
    # Every event counts against the one budget, so the join took the first token.
    assert sum(a["ok"] for a in acks) == RATE.burst - 1
    assert acks[-1]["error"] == "throttled"
    assert (await c.call("signal", CANDIDATE))["ok"] is True  # the other side is unaffected
    clock.advance(2)
    assert (await k.call("signal", CANDIDATE))["ok"] is True


async def test_each_call_is_logged_with_its_duration(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(c)
    assert await server.app[STORE].calls_of(pair.engagement_id) == []
    started = clock.now
    await joined(k)
    clock.advance(3600)
    assert (await k.call("leave"))["ok"] is True
    await c.until("presence", lambda p: p["client"] == "away")
    calls = await server.app[STORE].calls_of(pair.engagement_id)
    assert len(calls) == 1
    assert calls[0].kind.value == "real"
    assert calls[0].started_at == started
    assert calls[0].duration == 3600


async def test_a_practice_call_is_logged_as_practice(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(k, practice=True)
    await joined(c)
    await c.call("leave")
    await k.until("presence", lambda p: p["coach"] == "away")
    assert [call.kind.value for call in await server.app[STORE].calls_of(pair.engagement_id)] == [
        "practice"
    ]


async def test_a_dropped_connection_is_reconnecting_then_resumes(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, k]
    await joined(c)
    await joined(k)
    await k.sio.eio.disconnect(abort=True)  # the network drops; no goodbye is sent
    await c.until("presence", lambda p: p["client"] == "reconnecting")
    back = await client(url(server), pair)
    back.device = k.device
    recorders.append(back)
    await joined(back)
    await c.until("presence", lambda p: p["client"] == "here")
    assert len(await server.app[STORE].calls_of(pair.engagement_id)) == 1  # the same call
