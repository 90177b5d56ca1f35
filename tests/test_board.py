"""The board domain directly: field-level ops, permissions, caps, cascades, exports."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rooms.board.export import to_json, to_markdown
from rooms.board.ops import apply, parse_op
from rooms.board.records import BoardRecord, PrivateNote
from rooms.board.schema import COLLECTIONS, empty_board
from rooms.errors import Conflict, Forbidden, InvalidInput, NotFound
from rooms.models import Cadence, Engagement, InviteState, Language, Role

ENGAGEMENT = Engagement(
    "e1", "c1", "Kari", Language.EN, 6, 60, Cadence.BIWEEKLY, "t" * 43, InviteState.ACTIVE, 0.0
)
COACH, CLIENT = Role.COACH, Role.CLIENT


def run(board: dict[str, Any], role: Role, *ops: dict[str, Any]) -> dict[str, Any]:
    for n, op in enumerate(ops):
        board = apply(board, parse_op(op), role, float(n))
    return board


def add(collection: str, ident: str, **fields: Any) -> dict[str, Any]:
    return {"type": "add", "collection": collection, "id": ident, "fields": fields}


def update(collection: str, ident: str, **fields: Any) -> dict[str, Any]:
    return {"type": "update", "collection": collection, "id": ident, "fields": fields}


def test_a_new_board_starts_from_the_engagement_plan() -> None:
    board = empty_board(ENGAGEMENT)
    assert board["agreement"]["program_months"] == 6
    assert board["agreement"]["cadence"] == "biweekly"
    assert board["goals"] == board["homework"] == board["notes"] == []


def test_edits_to_different_fields_of_one_item_both_survive() -> None:
    board = run(empty_board(ENGAGEMENT), COACH, add("goals", "goal-1", title="Job"))
    board = run(board, COACH, update("goals", "goal-1", why="Money"))
    board = run(board, CLIENT, update("goals", "goal-1", progress=40))
    goal = board["goals"][0]
    assert (goal["title"], goal["why"], goal["progress"]) == ("Job", "Money", 40)


def test_refused_ops_leave_the_board_untouched() -> None:
    board = run(empty_board(ENGAGEMENT), COACH, add("goals", "goal-1", title="Job"))
    frozen = json.dumps(board)
    refused = [
        (CLIENT, {"type": "remove", "collection": "goals", "id": "goal-1"}, Forbidden),
        (
            CLIENT,
            {"type": "set", "section": "agreement", "field": "cadence", "value": "weekly"},
            Forbidden,
        ),
        (
            COACH,
            {"type": "set", "section": "agreement", "field": "confidentiality_ack", "value": True},
            Forbidden,
        ),
        (COACH, add("goals", "goal-1", title="Again"), Conflict),
        (COACH, update("goals", "missing", progress=1), NotFound),
        (COACH, update("goals", "goal-1", parent="goal-1"), InvalidInput),
    ]
    for role, op, error in refused:
        with pytest.raises(error):
            apply(board, parse_op(op), role, 9.0)
    assert json.dumps(board) == frozen


def test_only_the_client_acknowledges_confidentiality() -> None:
    op = {"type": "set", "section": "agreement", "field": "confidentiality_ack", "value": True}
    assert run(empty_board(ENGAGEMENT), CLIENT, op)["agreement"]["confidentiality_ack"] is True


def test_intermediate_goals_go_with_their_goal_and_homework_is_unlinked() -> None:
    board = run(
        empty_board(ENGAGEMENT),
        COACH,
        add("goals", "goal-1", title="Job"),
        add("goals", "goal-2", title="CV", parent="goal-1"),
        add("homework", "homework-1", text="Write CV", goal="goal-2"),
        {"type": "tick", "id": "homework-1", "done": True},
    )
    with pytest.raises(InvalidInput):  # one level of intermediate goals only
        run(board, COACH, add("goals", "goal-3", title="x", parent="goal-2"))
    board = run(board, COACH, {"type": "remove", "collection": "goals", "id": "goal-1"})
    assert board["goals"] == []
    assert board["homework"][0]["goal"] is None and board["homework"][0]["done"] is True


def test_item_count_caps_are_clear() -> None:
    board = empty_board(ENGAGEMENT)
    limit = COLLECTIONS["goals"].max_items
    board["goals"] = [{"id": f"goal-{n:04d}", "parent": None, "title": "g"} for n in range(limit)]
    with pytest.raises(InvalidInput, match=f"already holds {limit}"):
        run(board, COACH, add("goals", "goal-new", title="one more"))


def test_notes_are_changed_only_by_their_author() -> None:
    board = run(empty_board(ENGAGEMENT), CLIENT, add("notes", "note-1", text="mine"))
    with pytest.raises(Forbidden):
        run(board, COACH, update("notes", "note-1", text="edited"))
    assert (
        run(board, CLIENT, {"type": "remove", "collection": "notes", "id": "note-1"})["notes"] == []
    )


def test_exports_hold_private_notes_and_history_only_when_given() -> None:
    board = run(
        empty_board(ENGAGEMENT), COACH, add("goals", "goal-1", title="# Job\n## not a heading")
    )
    note = PrivateNote("note-p", "PRIVATE", 1.0, 1.0)
    record = BoardRecord(1, "op-1", COACH, 1.0, {"type": "add"})
    shared_md = to_markdown(ENGAGEMENT, 1, board)
    shared_json = json.loads(to_json(ENGAGEMENT, 1, board))
    assert "PRIVATE" not in shared_md and "History" not in shared_md
    assert set(shared_json) == {"engagement", "version", "language", "board"}
    assert "\n## not a heading" not in shared_md  # typed text never becomes structure
    coach_md = to_markdown(ENGAGEMENT, 1, board, private=[note], history=[record])
    coach_json = json.loads(to_json(ENGAGEMENT, 1, board, private=[note], history=[record]))
    assert "PRIVATE" in coach_md and coach_json["private_notes"][0]["text"] == "PRIVATE"
    assert coach_json["history"][0]["op_id"] == "op-1"
