"""The room rehearsal: a client practises alone in the real room with the echo peer.

What is kept is only that it happened and how far it got (which of the guided steps were
done), so the coach can see "rehearsed the room on …" before the first session. It is
not a call: nothing here touches the session log, so a rehearsal is never counted as a
session or a practice call.

The page reports its progress as it goes; each report names the rehearsal (an id the
page chose at load) and the steps done so far. Steps only ever get ticked: a report that
arrives late or twice cannot untick one, because stores take the union.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rooms.errors import InvalidInput


class RehearsalStep(StrEnum):
    """In the order the page guides through them (web/static/js/rehearsal_steps.js)."""

    MUTE = "mute"
    CAMERA = "camera"
    BOARD = "board"
    SCREEN = "screen"  # offered only where the browser can share a screen
    LEAVE = "leave"  # leave, then rejoin


REHEARSALS_KEPT = 10  # per engagement; every backend prunes the oldest beyond this
_ID = re.compile(r"[A-Za-z0-9_-]{6,40}")
ALWAYS_OFFERED = frozenset(RehearsalStep) - {RehearsalStep.SCREEN}
_FIELDS = frozenset({"id", "offered", "done"})


@dataclass(frozen=True, slots=True)
class RehearsalReport:
    """One report from the page, parsed: what the store records."""

    rehearsal_id: str
    offered: frozenset[RehearsalStep]
    done: frozenset[RehearsalStep]


@dataclass(frozen=True, slots=True)
class Rehearsal:
    engagement_id: str
    rehearsal_id: str
    started_at: float
    updated_at: float
    offered: frozenset[RehearsalStep]
    done: frozenset[RehearsalStep]

    @property
    def complete(self) -> bool:
        return bool(self.offered) and self.offered <= self.done

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.rehearsal_id,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "offered": ordered(self.offered),
            "done": ordered(self.done),
            "complete": self.complete,
        }


def ordered(steps: frozenset[RehearsalStep]) -> list[str]:
    return [step.value for step in RehearsalStep if step in steps]


def parse_steps(value: object, field: str) -> frozenset[RehearsalStep]:
    if not isinstance(value, list) or len(value) > len(RehearsalStep):
        raise InvalidInput("Unknown rehearsal step.", field=field)
    try:
        return frozenset(RehearsalStep(item) for item in value)
    except ValueError:
        raise InvalidInput("Unknown rehearsal step.", field=field) from None


def parse_report(payload: object) -> RehearsalReport:
    """`{id, offered: [step], done: [step]}`. Every step but screen sharing is always
    offered, and only offered steps can be done."""
    if not isinstance(payload, dict):
        raise InvalidInput("Expected an object.")
    if set(payload) - _FIELDS:
        raise InvalidInput("Unknown field in %(field)s.", params={"field": "payload"})
    rehearsal_id = payload.get("id")
    if not isinstance(rehearsal_id, str) or not _ID.fullmatch(rehearsal_id):
        raise InvalidInput("Expected an id of 6 to 40 letters, digits, - or _.", field="id")
    offered = parse_steps(payload.get("offered"), "offered")
    done = parse_steps(payload.get("done", []), "done")
    if not (offered >= ALWAYS_OFFERED and done <= offered):
        raise InvalidInput("These steps do not belong to the rehearsal.", field="done")
    return RehearsalReport(rehearsal_id, offered, done)
