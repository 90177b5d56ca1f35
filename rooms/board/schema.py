"""What a board holds, field by field, with the caps and the roles that may edit each.

A board is plain JSON (it is stored, sent and exported as is):

    {"agreement": {...}, "checkin": {...}, "review": {...},
     "goals": [item, ...], "homework": [item, ...], "notes": [item, ...]}

Sections are fixed sets of fields; collections are ordered lists of items with ids the
client chooses (so an optimistic screen can refer to an item before the server confirms
it). Lists, not id-keyed objects: a browser reorders object keys that look like numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.models import PROGRAM_MONTHS, SESSION_MINUTES, Cadence, Engagement, Role

BOTH = frozenset({Role.COACH, Role.CLIENT})
COACH = frozenset({Role.COACH})
CLIENT = frozenset({Role.CLIENT})

SHORT_TEXT = 200
LONG_TEXT = 4000
NOTE_TEXT = 10_000
NEXT_SESSION = "next-session"
GOAL_STATUSES = ("active", "achieved", "dropped")


@dataclass(frozen=True, slots=True)
class Field:
    """`kind` is one of text, bool, int, choice, date, due, goal-ref."""

    kind: str
    default: Any = ""
    limit: int = 0
    choices: tuple[Any, ...] = ()
    editors: frozenset[Role] = BOTH
    required: bool = False
    on_add_only: bool = False


@dataclass(frozen=True, slots=True)
class Collection:
    fields: dict[str, Field]
    max_items: int
    adders: frozenset[Role] = BOTH
    removers: frozenset[Role] = COACH
    author_only: bool = False  # only the item's author may update or remove it


AGREEMENT = {
    "program_goals": Field("text", limit=LONG_TEXT, editors=COACH),
    "program_months": Field("choice", 6, choices=PROGRAM_MONTHS, editors=COACH),
    "cadence": Field("choice", "biweekly", choices=tuple(c.value for c in Cadence), editors=COACH),
    "session_minutes": Field("choice", 60, choices=SESSION_MINUTES, editors=COACH),
    "coach_expectations": Field("text", limit=LONG_TEXT, editors=COACH),
    "client_expectations": Field("text", limit=LONG_TEXT),
    "confidentiality_ack": Field("bool", False, editors=CLIENT),
}
REVIEW = {
    "celebration": Field("text", limit=LONG_TEXT),
    "action_plan": Field("text", limit=LONG_TEXT),
}
SECTIONS: dict[str, dict[str, Field]] = {
    "agreement": AGREEMENT,
    "checkin": REVIEW,  # the mid-program check-in
    "review": REVIEW,  # the final review
}

GOAL = {
    "title": Field("text", limit=SHORT_TEXT, required=True),
    "description": Field("text", limit=LONG_TEXT),
    "why": Field("text", limit=LONG_TEXT),
    "success": Field("text", limit=LONG_TEXT),
    "target_date": Field("date"),
    "status": Field("choice", "active", choices=GOAL_STATUSES),
    "progress": Field("int", 0, limit=100),
    "parent": Field("goal-ref", None, on_add_only=True),  # set: an intermediate goal
    "checkin_fulfilment": Field("text", limit=LONG_TEXT),
    "review_fulfilment": Field("text", limit=LONG_TEXT),
}
HOMEWORK = {
    "text": Field("text", limit=1000, required=True),
    "goal": Field("goal-ref", None),
    "owner": Field("choice", "client", choices=("client", "coach")),
    "due": Field("due", NEXT_SESSION),
    "done": Field("bool", False),
}
NOTE = {"text": Field("text", limit=NOTE_TEXT, required=True)}

COLLECTIONS: dict[str, Collection] = {
    "goals": Collection(GOAL, max_items=60),
    "homework": Collection(HOMEWORK, max_items=200),
    "notes": Collection(NOTE, max_items=300, removers=BOTH, author_only=True),
}
MAX_CHILD_GOALS = 15


def empty_board(engagement: Engagement) -> dict[str, Any]:
    """A new board starts from the plan the coach chose when creating the engagement."""
    board: dict[str, Any] = {
        name: {key: spec.default for key, spec in fields.items()}
        for name, fields in SECTIONS.items()
    }
    board["agreement"].update(
        program_months=engagement.program_months,
        cadence=engagement.cadence.value,
        session_minutes=engagement.session_minutes,
    )
    for name in COLLECTIONS:
        board[name] = []
    return board


def planned_sessions(board: dict[str, Any]) -> int:
    agreement = board["agreement"]
    per_month = Cadence(agreement["cadence"]).sessions_per_month
    return int(agreement["program_months"]) * per_month


def item_defaults() -> dict[str, dict[str, Any]]:
    """Sent to browsers with the board, so their optimistic copy fills new items exactly
    as the server does."""
    return {
        name: {key: spec.default for key, spec in collection.fields.items()}
        for name, collection in COLLECTIONS.items()
    }
