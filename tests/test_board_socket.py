"""The /board namespace over real Socket.IO connections (issue 4, acceptance 1, 2, 3, 6)."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestServer

from server.keys import BOARDS, STORE
from tests.boards import Mirror, board_client, board_coach, op_id
from tests.helpers import FakeClock, make_pair
from tests.sockets import Recorder

SECRET = "PRIVATE-7f3a: client must never see this"


def url(server: TestServer) -> str:
    return str(server.make_url("/"))


async def send(recorder: Recorder, op: dict[str, Any]) -> dict[str, Any]:
    ack: dict[str, Any] = await recorder.call("op", {"op_id": op_id(), "op": op})
    return ack


def goal(ident: str, title: str) -> dict[str, Any]:
    return {"type": "add", "collection": "goals", "id": ident, "fields": {"title": title}}


async def test_500_concurrent_mixed_ops_converge(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    coach, client = await board_coach(url(server), pair), await board_client(url(server), pair)
    recorders += [coach, client]
    mirrors = {
        "coach": Mirror(await coach.call("join")),
        "client": Mirror(await client.call("join")),
    }
    sockets = {"coach": coach, "client": client}
    setup = [
        goal("goal-shared", "Shared goal"),
        {
            "type": "add",
            "collection": "homework",
            "id": "hw-shared",
            "fields": {"text": "Call two employers"},
        },
    ]
    for op in setup:
        answer = await send(coach, op)
        assert answer["ok"] is True
        mirrors["coach"].take(answer["record"])
    rng = random.Random(4)

    def random_op(role: str, n: int) -> dict[str, Any]:
        choice = rng.randrange(7)
        if choice == 0:  # same-field race on a field both may edit
            return {
                "type": "set",
                "section": "agreement",
                "field": "client_expectations",
                "value": f"{role}-{n}",
            }
        if choice == 1:  # same-field race inside one item
            return {
                "type": "update",
                "collection": "goals",
                "id": "goal-shared",
                "fields": {"progress": rng.randrange(101)},
            }
        if choice == 2:  # different fields of one item at once
            name = "why" if role == "coach" else "success"
            return {
                "type": "update",
                "collection": "goals",
                "id": "goal-shared",
                "fields": {name: f"{role} {n}"},
            }
        if choice == 3:
            return {"type": "tick", "id": "hw-shared", "done": rng.random() < 0.5}
        if choice == 4:
            return {
                "type": "add",
                "collection": "notes",
                "id": f"n-{role}-{n:04d}",
                "fields": {"text": f"note {n}"},
            }
        if choice == 5:
            return {
                "type": "set",
                "section": "checkin",
                "field": "celebration",
                "value": f"{role} {n} <script>",
            }
        return {
            "type": "add",
            "collection": "homework",
            "id": f"h-{role}-{n:04d}",
            "fields": {"text": f"task {n}", "owner": role, "goal": "goal-shared"},
        }

    acks: list[dict[str, Any]] = []
    count = 0
    for batch in range(6):  # 6 x 2 x 45 = 540 operations, within the rate limit per second
        clock.advance(10)
        calls = [
            send(sockets[role], random_op(role, batch * 100 + i))
            for i in range(45)
            for role in ("coach", "client")
        ]
        answers = await asyncio.gather(*calls)
        count += len(answers)
        for role_index, answer in enumerate(answers):
            assert answer["ok"] is True, answer
            acks.append(answer)
            mirrors["coach" if role_index % 2 == 0 else "client"].take(answer["record"])
    assert count >= 500
    final = len(setup) + count
    for role, recorder in sockets.items():
        mirror = mirrors[role]
        while mirror.version < final:
            mirror.take(await recorder.next("applied"))
    snapshot = await server.app[BOARDS].snapshot(
        await server.app[STORE].engagement(pair.engagement_id)
    )  # type: ignore[arg-type]
    assert snapshot.version == final
    assert mirrors["coach"].version == mirrors["client"].version == final
    assert mirrors["coach"].state == mirrors["client"].state == snapshot.state
    # every acknowledged operation is in the log at the version its ack named
    log = await server.app[STORE].board_ops_since(pair.engagement_id, 0, 10_000)
    assert log is not None and [r.version for r in log] == list(range(1, final + 1))
    by_version = {r.version: r.op_id for r in log}
    assert all(by_version[a["version"]] == a["record"]["op_id"] for a in acks)
    # and the last applied write of a raced field is the one that stands
    last = max(
        (a["record"] for a in acks if a["record"]["op"].get("field") == "client_expectations"),
        key=lambda r: r["version"],
    )
    assert snapshot.state["agreement"]["client_expectations"] == last["op"]["value"]


async def test_disconnected_client_catches_up_on_reconnect(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await board_coach(url(server), pair), await board_client(url(server), pair)
    recorders += [coach, client]
    await coach.call("join")
    mirror = Mirror(await client.call("join"))
    assert (await send(coach, goal("goal-one", "First")))["ok"] is True
    mirror.take(await client.next("applied"))
    await client.close()
    for n in range(20):
        assert (
            await send(
                coach,
                {
                    "type": "update",
                    "collection": "goals",
                    "id": "goal-one",
                    "fields": {"progress": n},
                },
            )
        )["ok"]
    back = await board_client(url(server), pair)
    recorders.append(back)
    answer = await back.call("join", {"since": mirror.version})
    assert answer["ok"] is True and "snapshot" not in answer and len(answer["ops"]) == 20
    for record in answer["ops"]:
        mirror.take(record)
    coach_view = Mirror(await coach.call("join"))
    assert mirror.version == answer["version"] == coach_view.version == 21
    assert mirror.state == coach_view.state
    # a version the board never had (or too far behind) gets a snapshot instead
    fresh = await back.call("join", {"since": 999})
    assert fresh["version"] == 21 and fresh["snapshot"] == mirror.state


async def test_client_never_receives_private_notes_by_any_event(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await board_coach(url(server), pair), await board_client(url(server), pair)
    recorders += [coach, client]
    second_coach_tab = await board_coach(url(server), pair)
    recorders.append(second_coach_tab)
    await coach.call("join")
    await second_coach_tab.call("join")
    client_join = await client.call("join")
    put = await coach.call("private_put", {"id": "private-1", "text": SECRET})
    assert put["ok"] is True and put["notes"][0]["text"] == SECRET
    assert (await second_coach_tab.next("private"))["notes"][0]["text"] == SECRET
    # The client: its join carries no private notes, and every private event is refused.
    assert "private" not in client_join and SECRET not in json.dumps(client_join)
    for event, payload in [
        ("private_put", {"id": "private-2", "text": "x"}),
        ("private_delete", {"id": "private-1"}),
        ("history", None),
    ]:
        answer = await client.call(event, payload)
        assert answer["ok"] is False and answer["error"] == "forbidden", (event, answer)
    rejoined = await client.call("join")
    caught_up = await client.call("join", {"since": 0})
    assert SECRET not in json.dumps(rejoined) + json.dumps(caught_up)
    # An op after the note reaches the client: by then a private event would have too.
    assert (await send(coach, goal("goal-after", "After")))["ok"] is True
    await client.next("applied")
    assert client.pending("private") == 0
    everything = [q for name, q in client.queues.items()]
    for queue in everything:
        while not queue.empty():
            assert SECRET not in json.dumps(queue.get_nowait())
    assert (await coach.call("private_delete", {"id": "private-1"}))["notes"] == []


BAD_OPS: list[tuple[object, str]] = [
    ("not an object", "invalid"),
    ({"op_id": "abcdefgh"}, "invalid"),
    ({"op_id": "a", "op": goal("goal-x", "x")}, "invalid"),
    ({"op_id": "abcdefgh", "op": {"type": "explode"}}, "invalid"),
    ({"op_id": "abcdefgh", "op": goal("goal-x", "x" * 201)}, "invalid"),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "add",
                "collection": "goals",
                "id": "goal-x",
                "fields": {"title": "ok", "owner": "x"},
            },
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "update",
                "collection": "goals",
                "id": "goal-1",
                "fields": {"progress": 101},
            },
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "update",
                "collection": "goals",
                "id": "goal-1",
                "fields": {"progress": True},
            },
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "update",
                "collection": "goals",
                "id": "goal-1",
                "fields": {"target_date": "next week"},
            },
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "update",
                "collection": "goals",
                "id": "goal-1",
                "fields": {"title": ""},
            },
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "update",
                "collection": "goals",
                "id": "missing-goal",
                "fields": {"progress": 1},
            },
        },
        "not-found",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {"type": "set", "section": "agreement", "field": "program_months", "value": 7},
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "set",
                "section": "agreement",
                "field": "coach_expectations",
                "value": "mine now",
            },
        },
        "forbidden",
    ),
    (
        {"op_id": "abcdefgh", "op": {"type": "remove", "collection": "goals", "id": "goal-1"}},
        "forbidden",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "add",
                "collection": "homework",
                "id": "homework-x",
                "fields": {"text": "t", "goal": "nope-goal"},
            },
        },
        "invalid",
    ),
    (
        {
            "op_id": "abcdefgh",
            "op": {
                "type": "add",
                "collection": "notes",
                "id": "note-x",
                "fields": {"text": "n" * 10_001},
            },
        },
        "invalid",
    ),
]


async def test_malformed_oversized_and_unauthorised_ops_change_nothing(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await board_coach(url(server), pair), await board_client(url(server), pair)
    recorders += [coach, client]
    await coach.call("join")
    await client.call("join")
    assert (await send(coach, goal("goal-1", "Keep")))["ok"] is True
    before = await client.call("join")
    for payload, code in BAD_OPS:
        answer = await client.call("op", payload)
        assert answer["ok"] is False and answer["error"] == code, (payload, answer)
        assert isinstance(answer["message"], str) and answer["message"]
    after = await client.call("join")
    assert after["version"] == before["version"] and after["snapshot"] == before["snapshot"]


async def test_script_text_is_stored_as_text(server: TestServer, recorders: list[Recorder]) -> None:
    pair = await make_pair(server.app)
    client = await board_client(url(server), pair)
    recorders.append(client)
    mirror = Mirror(await client.call("join"))
    answer = await send(client, goal("goal-xss", "<script>alert(1)</script>"))
    mirror.take(answer["record"])
    assert mirror.state["goals"][0]["title"] == "<script>alert(1)</script>"


async def test_resent_op_is_applied_once(server: TestServer, recorders: list[Recorder]) -> None:
    pair = await make_pair(server.app)
    coach = await board_coach(url(server), pair)
    recorders.append(coach)
    await coach.call("join")
    # An older page still sends a base version; it is ignored (docs/board.md).
    payload = {"op_id": "resend-0001", "base_version": 999, "op": goal("goal-1", "Once")}
    first, again = await coach.call("op", payload), await coach.call("op", payload)
    assert first["ok"] and again["ok"] and again["duplicate"] is True
    assert again["version"] == first["version"] == 1
    assert len((await coach.call("join"))["snapshot"]["goals"]) == 1


async def test_ops_before_join_and_floods_are_refused(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach = await board_coach(url(server), pair)
    recorders.append(coach)
    assert (await send(coach, goal("goal-1", "x")))["error"] == "not-joined"
    await coach.call("join")
    answers = [await coach.call("presence", {"state": "editing"}) for _ in range(101)]
    assert answers[-1]["error"] == "throttled"


async def test_coach_cannot_open_another_coachs_board(
    server: TestServer, recorders: list[Recorder]
) -> None:
    mine = await make_pair(server.app)
    theirs = await make_pair(server.app, email="other@example.org")
    intruder = Recorder("/board")
    recorders.append(intruder)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await intruder.connect(
            url(server), {"engagement": theirs.engagement_id}, cookie=mine.coach_cookie
        )


async def test_presence_shows_who_is_viewing_or_editing(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach, client = await board_coach(url(server), pair), await board_client(url(server), pair)
    recorders += [coach, client]
    joined = await coach.call("join")
    assert joined["presence"] == {"coach": "viewing", "client": "away"}
    await client.call("join")
    assert (await coach.next("presence")) == {"coach": "viewing", "client": "viewing"}
    await client.call("presence", {"state": "editing"})
    assert await coach.until("presence", lambda p: p["client"] == "editing")
    await client.close()
    assert await coach.until("presence", lambda p: p["client"] == "away")


async def test_history_tells_the_coach_who_changed_what_and_when(
    server: TestServer, recorders: list[Recorder], clock: FakeClock
) -> None:
    pair = await make_pair(server.app)
    coach, client = await board_coach(url(server), pair), await board_client(url(server), pair)
    recorders += [coach, client]
    await coach.call("join")
    await client.call("join")
    assert (await send(coach, goal("goal-1", "Job")))["ok"] is True
    clock.advance(60)
    assert (await send(client, {"type": "tick", "id": "goal-1", "done": True}))["ok"] is False
    update = {"type": "update", "collection": "goals", "id": "goal-1", "fields": {"progress": 50}}
    assert (await send(client, update))["ok"] is True
    history = await coach.call("history")
    assert [(e["version"], e["role"], e["op"]["type"]) for e in history["entries"]] == [
        (2, "client", "update"),
        (1, "coach", "add"),
    ]
    assert history["entries"][0]["at"] == history["entries"][1]["at"] + 60
