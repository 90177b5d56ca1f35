"""When the mid-program check-in and the final review come due, and what they compare.

    check-in  due once half the planned sessions are held (12 planned: after the 6th),
              or half the program's months have passed since it started, whichever
              comes first
    review    due at the last planned session: once it is the session under way or the
              next one (12 planned: from the end of the 11th, through the 12th), or the
              program's months are over
    done      the section's action plan is written (the outcome of that conversation)

The program starts when the client first accepts the agreement, or when the engagement
was created if they have not yet. The counts come from the session records (the one
source for every count, rooms/sessions/rules.py). Every function is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rooms.agreement import AgreementVersion
from rooms.board.records import BoardRecord
from rooms.sessions.rules import Counts

MONTH = 30.44 * 86_400.0


class Kind(StrEnum):
    CHECKIN = "checkin"
    REVIEW = "review"


class State(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Milestone:
    kind: Kind
    state: State
    at_session: int  # the session it belongs to ("after session 6", "at session 12")


def checkin_session(planned: int) -> int:
    return max(1, (planned + 1) // 2)


def milestones(
    counts: Counts, board: dict[str, Any], *, months: int, started_at: float, now: float
) -> tuple[Milestone, Milestone]:
    elapsed = now - started_at
    halfway = checkin_session(counts.planned)
    checkin_due = counts.held >= halfway or elapsed >= months * MONTH / 2
    review_due = (
        counts.planned > 0 and counts.number >= counts.planned
    ) or elapsed >= months * MONTH
    return (
        Milestone(Kind.CHECKIN, _state(board, Kind.CHECKIN, checkin_due), halfway),
        Milestone(Kind.REVIEW, _state(board, Kind.REVIEW, review_due), counts.planned),
    )


def _state(board: dict[str, Any], kind: Kind, due: bool) -> State:
    if str(board[kind.value].get("action_plan", "")).strip():
        return State.DONE
    return State.DUE if due else State.UPCOMING


def open_section(found: tuple[Milestone, Milestone]) -> str:
    """The board section a page opens: the review once due, else the check-in if due."""
    for milestone in reversed(found):
        if milestone.state is State.DUE:
            return milestone.kind.value
    return ""


@dataclass(frozen=True, slots=True)
class GoalComparison:
    """One goal as first agreed beside what it is now (either side may be missing: a goal
    added later, or one removed since)."""

    id: str
    agreed: dict[str, Any] | None
    current: dict[str, Any] | None
    history: tuple[BoardRecord, ...]


def compare_goals(
    first: AgreementVersion | None, board: dict[str, Any], history: list[BoardRecord]
) -> list[GoalComparison]:
    """Top-level goals and their steps, in the agreed order, then goals added later."""
    agreed = {g["id"]: g for g in first.goals} if first else {}
    current = {g["id"]: g for g in board["goals"]}
    order = list(agreed) + [goal_id for goal_id in current if goal_id not in agreed]
    oldest_first = sorted(history, key=lambda r: r.version)
    return [
        GoalComparison(
            goal_id,
            agreed.get(goal_id),
            current.get(goal_id),
            tuple(r for r in oldest_first if _touches(r, goal_id)),
        )
        for goal_id in order
    ]


def _touches(record: BoardRecord, goal_id: str) -> bool:
    op = record.op
    return op.get("collection") == "goals" and op.get("id") == goal_id
