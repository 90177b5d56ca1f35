"""Whose seat it is (issue 12, acceptance 2 at the socket level): a forwarded invite link
cannot take the client's seat without the coach letting it in, or, with the coach away,
the seated person saying it is them; a seat whose holder is gone is taken without asking;
a browser that held the seat before takes it back at once (docs/protocol.md, "Whose seat
it is")."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from rooms.models import Role
from server.config import Settings
from server.keys import STORE
from tests.helpers import FakeClock, Pair, eventually, make_pair
from tests.sockets import Recorder, client, coach

FIREFOX_ON_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    # The shortest grace the settings allow: "holder gone" is reached in a second.
    return Settings(data_dir=data_dir, reconnect_grace_seconds=1)


def url(server: TestServer) -> str:
    return str(server.make_url("/"))


async def joined(recorder: Recorder, **extra: object) -> dict[str, Any]:
    ack = await recorder.call("join", {"device": recorder.device, **extra})
    assert ack["ok"] is True, ack
    return dict(ack)


async def stranger(server: TestServer, pair: Pair) -> Recorder:
    """Someone else's browser with the client's invite link."""
    recorder = Recorder()
    await recorder.connect(
        url(server), {"invite": pair.invite}, headers={"User-Agent": FIREFOX_ON_ANDROID}
    )
    return recorder


async def client_sid(server: TestServer, pair: Pair) -> str:
    return (await server.app[STORE].seats(pair.engagement_id))[Role.CLIENT].sid


async def in_a_call_and_a_stranger(
    server: TestServer, recorders: list[Recorder]
) -> tuple[Pair, Recorder, Recorder, Recorder]:
    """Coach and client seated, and another browser with the client's link: (pair, coach,
    client, stranger)."""
    pair = await make_pair(server.app)
    c, k = await coach(url(server), pair), await client(url(server), pair)
    other = await stranger(server, pair)
    recorders += [c, k, other]
    await joined(c)
    await joined(k)
    return pair, c, k, other


async def test_another_device_waits_for_the_coach_who_sees_who_asks_and_lets_it_in(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair, c, k, other = await in_a_call_and_a_stranger(server, recorders)
    seated = await client_sid(server, pair)

    assert (await other.call("join", {"device": other.device}))["error"] == "room-full"
    waiting = await other.call("join", {"device": other.device, "takeover": True})
    assert waiting["error"] == "waiting" and waiting["asked"] == "coach", waiting
    asked = await c.next("admission-request")
    assert asked == {
        "request": waiting["request"],
        "browser": "Firefox",
        "system": "Android",
        "at": clock.now,
    }
    assert k.pending("admission-request") == 0, "the coach decides while in the room"
    assert await client_sid(server, pair) == seated, "nothing taken while it waits"
    assert k.pending("replaced") == 0

    assert (await c.call("admit", {"request": waiting["request"], "admit": True}))["ok"]
    admission = await other.next("admission")
    assert admission["admitted"] is True and admission["request"] == waiting["request"]
    taken = await joined(other, takeover=True, grant=admission["grant"])
    assert len(taken["token"]) == 43
    replaced = await k.next("replaced")
    assert replaced["reason"] == "admitted", replaced
    await k.next("disconnect")
    assert await client_sid(server, pair) == other.sio.get_sid("/room")
    await c.until("presence", lambda p: p["client"] == "here")


async def test_the_question_goes_when_the_asking_page_goes(
    server: TestServer, recorders: list[Recorder]
) -> None:
    _pair, c, _k, other = await in_a_call_and_a_stranger(server, recorders)
    first = await other.call("join", {"device": other.device, "takeover": True})
    assert (await c.next("admission-request"))["request"] == first["request"]
    second = await other.call("join", {"device": other.device, "takeover": True})
    assert await c.next("admission-withdrawn") == {"request": first["request"]}
    assert (await c.next("admission-request"))["request"] == second["request"]
    await other.close()
    assert await c.next("admission-withdrawn") == {"request": second["request"]}


async def test_a_refused_device_stays_out_and_a_forged_grant_is_no_grant(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair, c, k, other = await in_a_call_and_a_stranger(server, recorders)
    seated = await client_sid(server, pair)
    waiting = await other.call("join", {"device": other.device, "takeover": True})
    request = (await c.next("admission-request"))["request"]
    assert (await c.call("admit", {"request": request, "admit": False}))["ok"]
    assert await other.next("admission") == {"request": waiting["request"], "admitted": False}

    forged = secrets.token_urlsafe(32)  # 43 characters, like a grant
    again = await other.call("join", {"device": other.device, "takeover": True, "grant": forged})
    assert again["error"] == "waiting", "a grant that does not check out is none"
    bad = await other.call("join", {"device": other.device, "grant": "<script>"})
    assert bad["error"] == "invalid" and bad["field"] == "grant"
    # Another engagement's coach letting its own request in gives nothing here.
    elsewhere = await make_pair(server.app)
    c2 = await coach(url(server), elsewhere)
    recorders.append(c2)
    await joined(c2)
    assert (await c2.call("admit", {"request": again["request"], "admit": True}))["ok"]
    grant = (await other.next("admission"))["grant"]
    refused = await other.call("join", {"device": other.device, "takeover": True, "grant": grant})
    assert refused["error"] == "waiting", refused
    assert await client_sid(server, pair) == seated
    assert k.pending("replaced") == 0
    # `admit` needs a seat, and a well-formed answer.
    assert (await other.call("admit", {"request": request, "admit": True}))["error"] == (
        "not-joined"
    )
    assert (await c.call("admit", {"request": request}))["field"] == "admit"


async def test_with_the_coach_away_the_seated_person_is_asked_is_this_you(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    laptop = await client(url(server), pair)
    phone = await stranger(server, pair)
    recorders += [laptop, phone]
    await joined(laptop)
    waiting = await phone.call("join", {"device": phone.device, "takeover": True})
    assert waiting["error"] == "waiting" and waiting["asked"] == "client", waiting
    asked = await laptop.next("admission-request")
    assert asked["request"] == waiting["request"] and asked["system"] == "Android"
    assert (await laptop.call("admit", {"request": asked["request"], "admit": True}))["ok"]
    grant = (await phone.next("admission"))["grant"]
    await joined(phone, takeover=True, grant=grant)
    assert (await laptop.next("replaced"))["reason"] == "confirmed"


async def test_a_seat_whose_holder_is_gone_is_taken_without_asking(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    k = await client(url(server), pair)
    other = await stranger(server, pair)
    recorders += [k, other]
    await joined(k)
    await k.sio.eio.disconnect(abort=True)  # the network drops: the seat is reconnecting
    store = server.app[STORE]

    async def reconnecting() -> bool:
        seats = await store.seats(pair.engagement_id)
        return Role.CLIENT in seats and seats[Role.CLIENT].state.value == "reconnecting"

    await eventually(reconnecting)
    nobody = await other.call("join", {"device": other.device, "takeover": True})
    assert nobody["error"] == "room-full" and "lost their connection" in nobody["message"]

    async def gone() -> bool:
        return Role.CLIENT not in await store.seats(pair.engagement_id)

    await eventually(gone)  # the reconnect grace (1 s here) ended
    await joined(other, takeover=True)


async def test_a_browser_that_held_the_seat_takes_it_back_at_once(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    c, laptop = await coach(url(server), pair), await client(url(server), pair)
    recorders += [c, laptop]
    await joined(c)
    token = (await joined(laptop))["token"]
    assert (await laptop.call("leave", {}))["ok"]
    phone = await stranger(server, pair)
    recorders.append(phone)
    await joined(phone)  # an empty seat is taken without asking

    back = await client(url(server), pair)
    back.device = laptop.device
    recorders.append(back)
    full = await back.call("join", {"device": back.device, "token": token})
    assert full["error"] == "room-full", "without takeover a held seat stays held"
    wrong = await back.call(
        "join", {"device": back.device, "takeover": True, "token": secrets.token_urlsafe(32)}
    )
    assert wrong["error"] == "waiting", "a token that is not this browser's is none"
    await joined(back, takeover=True, token=token)
    assert (await phone.next("replaced"))["reason"] == "other-device"
    assert c.pending("admission-request") == 1  # only the one the wrong token asked


async def test_the_coach_moves_to_another_device_without_being_asked(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    desk, laptop = await coach(url(server), pair), await coach(url(server), pair)
    recorders += [desk, laptop]
    await joined(desk)
    assert (await laptop.call("join", {"device": laptop.device}))["error"] == "room-full"
    await joined(laptop, takeover=True)
    assert (await desk.next("replaced"))["reason"] == "other-device"
