"""What the timer reads at a moment: time left, the current phase, warnings due, totals.

All of it is a pure function of a state and a `now`, so the server, a reconnecting
client and the browser (with its clock offset) all compute the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rooms.errors import Conflict
from rooms.timer.agenda import phase_at
from rooms.timer.state import Status, TimerState, elapsed

WARN_MINUTES = (10, 5)


@dataclass(frozen=True, slots=True)
class PhaseNow:
    index: int
    name: str
    seconds_left: float
    """Negative in overtime, which counts against the last phase."""


class WarningKind(StrEnum):
    PHASE_ENDED = "phase-ended"
    MINUTES_LEFT = "minutes-left"
    OVERTIME = "overtime"


@dataclass(frozen=True, slots=True)
class TimerWarning:
    kind: WarningKind
    at_elapsed: float
    phase_index: int | None = None
    phase_name: str | None = None
    minutes_left: int | None = None

    def to_wire(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "at_elapsed": self.at_elapsed,
            "phase_index": self.phase_index,
            "phase_name": self.phase_name,
            "minutes_left": self.minutes_left,
        }


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """For the session log: wall time includes pauses, active time does not."""

    started_at: float
    ended_at: float
    wall_seconds: float
    active_seconds: float
    paused_seconds: float
    planned_seconds: int
    extended_seconds: int
    overtime_seconds: float


def remaining(state: TimerState, now: float) -> float:
    """Seconds left of planned plus extended time; negative means overtime."""
    return state.total_seconds - elapsed(state, now)


def current_phase(state: TimerState, now: float) -> PhaseNow:
    index, left = phase_at(state.phases, elapsed(state, now))
    return PhaseNow(index, state.phases[index].name, left)


def due_warnings(state: TimerState, previous_now: float, now: float) -> list[TimerWarning]:
    """Warnings whose moment lies in (previous_now, now], in the order they happened.

    Moments are measured in active time, so nothing becomes due during a pause, and
    calling with back-to-back intervals reports each warning exactly once. Overtime is
    only reported: the session never ends by itself. An extension moves the moments, so
    "5 minutes left" can fire again after the coach adds time, which is what the coach
    needs to see.
    """
    if state.status is Status.IDLE:
        return []
    before, after = elapsed(state, previous_now), elapsed(state, now)
    return [w for w in _moments(state) if before < w.at_elapsed <= after]


def _moments(state: TimerState) -> list[TimerWarning]:
    moments: list[TimerWarning] = []
    boundary = 0
    for index, phase in enumerate(state.phases[:-1]):
        boundary += phase.seconds
        moments.append(TimerWarning(WarningKind.PHASE_ENDED, boundary, index, phase.name))
    total = state.total_seconds
    for minutes in WARN_MINUTES:
        if total > minutes * 60:
            moments.append(
                TimerWarning(WarningKind.MINUTES_LEFT, total - minutes * 60, minutes_left=minutes)
            )
    moments.append(TimerWarning(WarningKind.OVERTIME, total))
    return sorted(moments, key=lambda w: w.at_elapsed)


def summary(state: TimerState) -> SessionSummary:
    if state.started_at is None or state.ended_at is None:
        raise Conflict("The session has not ended yet.")
    active = elapsed(state, state.ended_at)
    return SessionSummary(
        started_at=state.started_at,
        ended_at=state.ended_at,
        wall_seconds=state.ended_at - state.started_at,
        active_seconds=active,
        paused_seconds=state.paused_total,
        planned_seconds=state.planned_seconds,
        extended_seconds=state.extended_seconds,
        overtime_seconds=max(0.0, active - state.total_seconds),
    )
