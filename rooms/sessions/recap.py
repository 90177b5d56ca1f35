"""The recap of a held session, built without any recording: from the board's own
history and the timer.

It lists what changed on the shared board between the session's start and end (goals
added or changed, progress moved, homework set and ticked, shared notes added), the time
spent in each agenda phase, and the next planned session. It is built only from
BoardRecords (the shared board's log) and the timer; the coach's private notes live in a
separate store area that this module is never given, so they cannot enter a recap.

Stored as plain JSON with the session; pages translate each change's `kind`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rooms.board.records import BoardRecord
from rooms.timer.state import TimerState, elapsed

MAX_TEXT = 200
MAX_CHANGES = 200
NAMED_BY = {"goals": "title", "homework": "text", "notes": "text"}


def _short(value: object) -> str:
    text = str(value or "").strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _names(board: dict[str, Any], records: Iterable[BoardRecord]) -> dict[str, str]:
    """Item id -> its name (goal title, homework or note text), as last known."""
    names: dict[str, str] = {}
    for collection, key in NAMED_BY.items():
        for item in board.get(collection, []):
            names[str(item.get("id"))] = _short(item.get(key))
    for record in records:
        op = record.op
        named = NAMED_BY.get(str(op.get("collection")))
        if named and named in op.get("fields", {}):
            names.setdefault(str(op["id"]), _short(op["fields"][named]))
    return names


def _changes(op: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    kind, collection = op.get("type"), op.get("collection")
    name = names.get(str(op.get("id")), "")
    fields: dict[str, Any] = op.get("fields", {})
    if kind == "set":
        return [{"kind": "section-changed", "section": op["section"], "field": op["field"]}]
    if kind == "tick":
        return [{"kind": "homework-done" if op["done"] else "homework-reopened", "text": name}]
    if kind == "remove":
        return [{"kind": f"{collection}-removed", "text": name}]
    if kind == "add":
        added = {"goals": "goal-added", "homework": "homework-set", "notes": "note-added"}
        text = _short(fields.get(NAMED_BY.get(str(collection), ""), name))
        return [{"kind": added.get(str(collection), "item-added"), "text": text}]
    changes: list[dict[str, Any]] = []
    if collection == "goals" and "progress" in fields:
        changes.append({"kind": "progress-moved", "text": name, "value": fields["progress"]})
    if collection == "goals" and "status" in fields:
        changes.append({"kind": "goal-status", "text": name, "value": fields["status"]})
    if collection == "homework" and "done" in fields:
        changes.append(
            {"kind": "homework-done" if fields["done"] else "homework-reopened", "text": name}
        )
    rest = set(fields) - {"progress", "status", "done"}
    if rest:
        changed = {"goals": "goal-changed", "homework": "homework-changed", "notes": "note-changed"}
        changes.append({"kind": changed.get(str(collection), "item-changed"), "text": name})
    return changes


def board_changes(
    board: dict[str, Any], records: Sequence[BoardRecord], start: float, end: float
) -> list[dict[str, Any]]:
    """Every change whose record was applied in [start, end], oldest first."""
    within = sorted((r for r in records if start <= r.at <= end), key=lambda r: r.version)
    names = _names(board, records)
    changes: list[dict[str, Any]] = []
    for record in within:
        for change in _changes(record.op, names):
            changes.append({**change, "role": record.role.value, "at": record.at})
    return changes[:MAX_CHANGES]


def phase_times(
    timer: TimerState | None, start: float, end: float, slack: float
) -> list[dict[str, Any]]:
    """Active seconds spent in each agenda phase of the timer run that belongs to this
    session (started within `slack` of it); overtime counts in the last phase."""
    if timer is None or timer.started_at is None:
        return []
    if not start - slack <= timer.started_at <= end + slack:
        return []
    stop = timer.ended_at if timer.ended_at is not None else end
    spent = elapsed(timer, stop)
    times: list[dict[str, Any]] = []
    boundary = 0.0
    for index, phase in enumerate(timer.phases):
        last = index == len(timer.phases) - 1
        used = max(0.0, spent - boundary)
        seconds = used if last else min(float(phase.seconds), used)
        times.append({"name": phase.name, "seconds": round(seconds), "planned": phase.seconds})
        boundary += phase.seconds
    return times


def build(
    *,
    board: dict[str, Any],
    records: Sequence[BoardRecord],
    timer: TimerState | None,
    start: float,
    end: float,
    slack: float,
    next_start: float | None,
    built_at: float,
) -> dict[str, Any]:
    return {
        "from": start,
        "to": end,
        "built_at": built_at,
        "changes": board_changes(board, records, start, end),
        "phases": phase_times(timer, start, end, slack),
        "next_start": next_start,
    }
