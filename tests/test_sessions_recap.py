"""The recap of a held session, on both backends: exactly the board changes made between
the session's start and end, the time per agenda phase, the next session, and never a
private note (issue 13, acceptance 4)."""

from __future__ import annotations

import json

from rooms.board_service import Boards
from rooms.calls import CallKind
from rooms.models import Engagement, Role
from rooms.session_service import Sessions
from rooms.sessions import SessionStatus
from rooms.store import Store
from rooms.timer import TimerCommand
from rooms.timer.commands import Action
from rooms.timer_service import Timers
from tests.helpers import FakeClock
from tests.test_sessions import MINUTE, at, clock, engagement, plan, sessions, store, url

__all__ = ["clock", "engagement", "sessions", "store", "url"]  # fixtures shared with test_sessions

SECRET = "PRIVATE-7f3 the client must never read this"


async def edit(
    boards: Boards, engagement: Engagement, role: Role, op_id: str, op: dict[str, object]
) -> None:
    await boards.apply(engagement, role, op_id, op)


async def test_the_recap_lists_exactly_the_changes_of_the_session_and_no_private_note(
    store: Store, sessions: Sessions, engagement: Engagement, clock: FakeClock
) -> None:
    boards, timers = Boards(store, clock), Timers(store, clock)
    await sessions.plan(engagement, plan(at(9)))
    following = await sessions.plan(engagement, plan(at(9, day=26)))
    clock.now = at(8)  # before the session: not in the recap
    await edit(
        boards,
        engagement,
        Role.COACH,
        "op-before-1",
        {"type": "add", "collection": "goals", "id": "goal-old", "fields": {"title": "Old goal"}},
    )
    await edit(
        boards,
        engagement,
        Role.CLIENT,
        "op-before-2",
        {
            "type": "add",
            "collection": "homework",
            "id": "hw-old-1",
            "fields": {"text": "Old homework"},
        },
    )

    clock.now = at(9)
    await store.open_call(engagement.id, CallKind.REAL, clock.now)
    await timers.execute(engagement.id, Role.COACH, TimerCommand(Action.START), 60)
    clock.now = at(9, 5)
    await edit(
        boards,
        engagement,
        Role.COACH,
        "op-during-1",
        {
            "type": "add",
            "collection": "goals",
            "id": "goal-new",
            "fields": {"title": "Find an internship"},
        },
    )
    await edit(
        boards,
        engagement,
        Role.CLIENT,
        "op-during-2",
        {"type": "update", "collection": "goals", "id": "goal-old", "fields": {"progress": 40}},
    )
    await edit(
        boards,
        engagement,
        Role.CLIENT,
        "op-during-3",
        {"type": "tick", "id": "hw-old-1", "done": True},
    )
    await edit(
        boards,
        engagement,
        Role.COACH,
        "op-during-4",
        {
            "type": "add",
            "collection": "homework",
            "id": "hw-new-1",
            "fields": {"text": "Call two employers"},
        },
    )
    await edit(
        boards,
        engagement,
        Role.CLIENT,
        "op-during-5",
        {
            "type": "add",
            "collection": "notes",
            "id": "note-new-1",
            "fields": {"text": "Felt good about it"},
        },
    )
    await boards.put_private_note(engagement, Role.COACH, "private-1", SECRET)
    clock.now = at(9, 50)
    ended = await timers.execute(engagement.id, Role.COACH, TimerCommand(Action.END), 60)
    call = await store.close_call(engagement.id, ended.ended_at or clock.now)
    assert call is not None
    await sessions.call_closed(engagement, call)
    await sessions.timer_ended(engagement, ended.ended_at or clock.now)

    clock.now = at(11)  # after the session: not in the recap
    await edit(
        boards,
        engagement,
        Role.COACH,
        "op-after-01",
        {
            "type": "add",
            "collection": "goals",
            "id": "goal-late",
            "fields": {"title": "Later goal"},
        },
    )

    shown = await sessions.last_recap(engagement)
    assert shown is not None and shown.status is SessionStatus.HELD
    recap = shown.recap
    assert recap is not None
    assert [(c["kind"], c.get("text"), c["role"]) for c in recap["changes"]] == [
        ("goal-added", "Find an internship", "coach"),
        ("progress-moved", "Old goal", "client"),
        ("homework-done", "Old homework", "client"),
        ("homework-set", "Call two employers", "coach"),
        ("note-added", "Felt good about it", "client"),
    ]
    assert recap["changes"][1]["value"] == 40
    assert recap["next_start"] == following.planned_start
    phases = {p["name"]: p["seconds"] for p in recap["phases"]}
    assert phases == {
        "Check-in": 5 * MINUTE,
        "Review homework": 10 * MINUTE,
        "Main work": 35 * MINUTE,
        "Wrap-up: homework and next steps": 0,
    }
    stored = json.dumps([s.to_wire() for s in await store.sessions_of(engagement.id)])
    assert SECRET not in stored and "private-1" not in stored
