"""Agenda phases: how a session's planned time is divided, per engagement.

A coach writes an agenda in minutes as they think of it ("5 check-in, 10 homework, ...").
Those minutes are read as *shares*: they need not add up to the planned session length,
because the same agenda should serve a 60- and a 90-minute session. `phases_for` scales
them to the planned seconds with cumulative rounding, so the phases always add up to the
planned time exactly and no second is lost or invented at a boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rooms import validation
from rooms.errors import InvalidInput

MAX_PHASES = 8
MAX_NAME = 60
MAX_PHASE_MINUTES = 240
MIN_PHASE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a running session, already in real seconds."""

    name: str
    seconds: int


@dataclass(frozen=True, slots=True)
class AgendaItem:
    name: str
    minutes: int


@dataclass(frozen=True, slots=True)
class Agenda:
    items: tuple[AgendaItem, ...]

    def to_wire(self) -> list[dict[str, object]]:
        return [{"name": item.name, "minutes": item.minutes} for item in self.items]


DEFAULT_AGENDA = Agenda(
    (
        AgendaItem("Check-in", 5),
        AgendaItem("Review homework", 10),
        AgendaItem("Main work", 35),
        AgendaItem("Wrap-up: homework and next steps", 10),
    )
)


def parse_agenda(raw: object) -> Agenda:
    """Accepts `[{"name": str, "minutes": int}, ...]` from untrusted input."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_PHASES:
        raise InvalidInput(
            "An agenda has between 1 and %(max)s phases.",
            field="phases",
            params={"max": MAX_PHASES},
        )
    return Agenda(tuple(_item(entry, index) for index, entry in enumerate(raw)))


def _item(entry: object, index: int) -> AgendaItem:
    if not isinstance(entry, Mapping):
        raise InvalidInput("Each phase needs a name and minutes.", field=f"phases.{index}")
    name = validation.text(entry.get("name"), f"phases.{index}.name", max_len=MAX_NAME)
    minutes = entry.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        minutes = 0
    if not 1 <= minutes <= MAX_PHASE_MINUTES:
        raise InvalidInput(
            "Use a whole number of minutes from 1 to %(max)s.",
            field=f"phases.{index}.minutes",
            params={"max": MAX_PHASE_MINUTES},
        )
    return AgendaItem(name, minutes)


def phases_for(agenda: Agenda, planned_seconds: int) -> tuple[Phase, ...]:
    """Scales the agenda's shares to `planned_seconds`, each boundary rounded once."""
    total = sum(item.minutes for item in agenda.items)
    phases: list[Phase] = []
    done_shares = 0
    previous_boundary = 0
    for item in agenda.items:
        done_shares += item.minutes
        boundary = round(done_shares * planned_seconds / total)
        phases.append(Phase(item.name, boundary - previous_boundary))
        previous_boundary = boundary
    if any(phase.seconds < MIN_PHASE_SECONDS for phase in phases):
        raise InvalidInput(
            "Each phase needs at least a minute of the planned time.", field="phases"
        )
    return tuple(phases)


def phase_at(phases: tuple[Phase, ...], elapsed: float) -> tuple[int, float]:
    """The phase running after `elapsed` active seconds, and the seconds left in it.

    Past the last boundary the session is in overtime, which belongs to the last phase:
    its seconds left go negative rather than naming a phase that does not exist.
    """
    boundary = 0
    for index, phase in enumerate(phases):
        boundary += phase.seconds
        if elapsed < boundary:
            return index, boundary - elapsed
    return len(phases) - 1, boundary - elapsed
