"""The /messages namespace over real Socket.IO connections (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from rooms.message_service import SEND_LIMIT
from rooms.messages import MAX_TEXT
from server.keys import LIFECYCLE, STORE
from signaling.protocol import MESSAGES_NAMESPACE, MessageEvent
from tests.helpers import FakeClock, make_pair
from tests.sockets import Recorder
from tests.threads import Thread, message_id, thread_client, thread_coach

ROOT = Path(__file__).parent.parent
MARKUP = '<img src=x onerror="alert(1)"> <b>bold</b> https://example.org/a?b=<c>'


def url(server: TestServer) -> str:
    return str(server.make_url("/"))


async def test_a_message_from_each_side_reaches_the_other_once(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await thread_coach(url(server), pair), await thread_client(url(server), pair)
    recorders += [coach, client]
    joined = await client.call("join")
    assert (joined["role"], joined["messages"], joined["reset"]) == ("client", [], True)
    assert (await coach.call("join"))["state"] == {"last_seq": 0, "coach": 0, "client": 0}

    sent = await client.call("send", {"id": message_id(), "text": MARKUP})
    assert sent["ok"] is True and sent["duplicate"] is False, sent
    assert sent["message"]["seq"] == 1 and sent["message"]["text"] == MARKUP
    assert (await coach.next("message"))["message"] == sent["message"]
    reply = await coach.call("send", {"id": message_id(), "text": "Takk\nfor sist"})
    got = await client.next("message")
    assert got["message"] == reply["message"] and got["message"]["text"] == "Takk\nfor sist"
    assert (got["message"]["seq"], got["message"]["from"]) == (2, "coach")
    assert client.pending("message") == 0 and coach.pending("message") == 0


async def test_a_resend_is_answered_with_the_first_and_not_broadcast(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await thread_coach(url(server), pair), await thread_client(url(server), pair)
    recorders += [coach, client]
    await coach.call("join")
    await client.call("join")
    ident = message_id()
    first = await client.call("send", {"id": ident, "text": "once"})
    again = await client.call("send", {"id": ident, "text": "once"})
    assert again["duplicate"] is True and again["message"] == first["message"]
    await client.call("send", {"id": message_id(), "text": "marker"})
    texts = [(await coach.next("message"))["message"]["text"] for _ in range(2)]
    assert texts == ["once", "marker"]
    assert coach.pending("message") == 0


async def test_reconnecting_with_since_gets_exactly_what_was_missed(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach = await thread_coach(url(server), pair)
    recorders.append(coach)
    await coach.call("join")
    thread = Thread()
    client = await thread_client(url(server), pair)
    recorders.append(client)
    thread.joined(await client.call("join"))
    await coach.call("send", {"id": message_id(), "text": "m1"})
    thread.take((await client.next("message"))["message"])
    await client.close()
    for n in range(2, 6):
        await coach.call("send", {"id": message_id(), "text": f"m{n}"})
    back = await thread_client(url(server), pair)
    recorders.append(back)
    ack = await back.call("join", {"since": thread.last})
    assert ack["reset"] is False and [m["seq"] for m in ack["messages"]] == [2, 3, 4, 5]
    thread.joined(ack)
    assert thread.texts() == ["m1", "m2", "m3", "m4", "m5"] and thread.dropped == 0


async def test_read_marks_go_to_both_and_unread_counts_the_other_side(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await thread_coach(url(server), pair), await thread_client(url(server), pair)
    recorders += [coach, client]
    await coach.call("join")
    await client.call("join")
    for text in ("a", "b", "c"):
        await client.call("send", {"id": message_id(), "text": text})
    assert (await thread_coach_join(server, pair, recorders))["unread"] == 3
    read = await coach.call("read", {"seq": 2})
    assert read["state"] == {"last_seq": 3, "coach": 2, "client": 0}
    assert (await client.next("receipt"))["state"] == read["state"]
    assert (await coach.next("receipt"))["state"] == read["state"]
    assert (await thread_coach_join(server, pair, recorders))["unread"] == 1
    same = await coach.call("read", {"seq": 1})  # a mark never goes down: nothing to tell
    assert same["state"]["coach"] == 2
    await coach.call("send", {"id": message_id(), "text": "sentinel"})
    await client.until("message", lambda m: m["message"]["text"] == "sentinel")
    assert client.pending("receipt") == 0


async def thread_coach_join(
    server: TestServer, pair: object, recorders: list[Recorder]
) -> dict[str, object]:
    other = await thread_coach(url(server), pair)  # type: ignore[arg-type]
    recorders.append(other)
    ack: dict[str, object] = await other.call("join")
    return ack


async def test_bad_input_gets_a_clear_error_and_stores_nothing(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    client = await thread_client(url(server), pair)
    recorders.append(client)
    assert (await client.call("send", {"id": message_id(), "text": "x"}))["error"] == "not-joined"
    await client.call("join")
    cases = [
        ({"id": message_id(), "text": "x" * (MAX_TEXT + 1)}, "text"),
        ({"id": message_id(), "text": "   "}, "text"),
        ({"id": message_id(), "text": 5}, "text"),
        ({"id": "short", "text": "hi"}, "id"),
        ({"id": "bad id with spaces", "text": "hi"}, "id"),
        ({"id": message_id(), "text": "hi", "html": "<b>"}, "html"),
    ]
    for payload, field in cases:
        answer = await client.call("send", payload)
        assert (answer["ok"], answer["error"], answer.get("field")) == (False, "invalid", field)
    assert (await client.call("send", "text"))["error"] == "invalid"
    assert (await client.call("read", {"seq": -1}))["field"] == "seq"
    assert (await client.call("join", {"since": "1"}))["field"] == "since"
    assert (await client.call("message", {}))["error"] == "invalid"  # server -> client only
    assert (await client.call("no-such-event", {}))["error"] == "invalid"
    ok = await client.call("send", {"id": message_id(), "text": "x" * MAX_TEXT})
    assert ok["message"]["seq"] == 1, "nothing before it was stored"


async def test_sending_is_limited_per_side_and_a_closed_program_is_read_only(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    client = await thread_client(url(server), pair)
    recorders.append(client)
    await client.call("join")
    for n in range(SEND_LIMIT):
        clock.advance(1.0)  # the socket's own burst allowance refills; the window does not
        assert (await client.call("send", {"id": message_id(), "text": f"{n}"}))["ok"] is True
    refused = await client.call("send", {"id": message_id(), "text": "one more"})
    assert refused["error"] == "throttled", refused
    clock.advance(600.0)
    assert (await client.call("send", {"id": message_id(), "text": "later"}))["ok"] is True
    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await server.app[LIFECYCLE].close(engagement)
    closed = await client.call("send", {"id": message_id(), "text": "after"})
    assert closed["error"] == "forbidden", closed
    assert (await client.call("join", {"since": 0}))["reset"] is False, "still readable"


def test_the_protocol_mirror_and_the_docs_name_every_message_event() -> None:
    source = (ROOT / "web/static/js/protocol.js").read_text()
    block = source[source.index("export const MessageEvent") :].split("});")[0]
    assert dict(re.findall(r"(\w+): \"([\w-]+)\"", block)) == {
        e.name: e.value for e in MessageEvent
    }
    assert f'MESSAGES_NAMESPACE = "{MESSAGES_NAMESPACE}"' in source
    doc = (ROOT / "docs/protocol.md").read_text()
    section = doc[doc.index("## Messages (`/messages`)") :]
    for event in MessageEvent:
        assert f"`{event.value}`" in section, event


async def test_both_exports_carry_the_thread_verbatim(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    client = await thread_client(url(server), pair)
    recorders.append(client)
    await client.call("join")
    await client.call("send", {"id": message_id(), "text": f"# not a heading\n{MARKUP}"})
    async with ClientSession(base_url=url(server)) as http:
        answer = await http.get(f"/i/{pair.invite}/board/export.json")
        document = await answer.json()
        assert [m["text"] for m in document["messages"]] == [f"# not a heading\n{MARKUP}"]
        markdown = await (await http.get(f"/i/{pair.invite}/board/export.md")).text()
    assert "## Messages" in markdown and "\n    # not a heading\n" in markdown
    assert f"\n    {MARKUP}\n" in markdown
