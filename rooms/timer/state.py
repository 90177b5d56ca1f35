"""The timer as timestamps, and the coach's transitions between its states.

Nothing ticks on the server: a state records when things happened (started, paused, how
long pauses lasted so far, ended), and every reading is computed from those timestamps and
a `now`. That is why a timer survives reconnects, restarts and several server processes:
any process can read the row and arrive at the same answer.

    IDLE ──start──▶ RUNNING ──pause──▶ PAUSED
                      ▲  │ ◀──resume──  │
                      │  └────end───┐   └──end──▶ ENDED
                   extend           ▼
                                  ENDED

`extend` works while RUNNING or PAUSED. Each transition returns a new state with
`version + 1`, which the store uses for compare-and-set; an invalid transition raises
Conflict and, the state being frozen, leaves nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from rooms.errors import Conflict, InvalidInput
from rooms.timer.agenda import Phase, phase_at


class Status(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


_REFUSALS = {
    Status.IDLE: "The timer has not started yet.",
    Status.RUNNING: "The timer is already running.",
    Status.PAUSED: "The timer is already paused.",
    Status.ENDED: "The session has already ended.",
}


@dataclass(frozen=True, slots=True)
class TimerState:
    """`phases` always add up to `planned_seconds + extended_seconds`.

    `changed_at` is the time of the last transition; readings and transitions treat any
    earlier `now` as that moment, so two server processes whose clocks differ slightly can
    never produce a negative pause or an elapsed time that runs backwards.
    """

    version: int
    planned_seconds: int
    phases: tuple[Phase, ...]
    started_at: float | None = None
    paused_at: float | None = None
    paused_total: float = 0.0
    extended_seconds: int = 0
    ended_at: float | None = None
    changed_at: float | None = None

    @property
    def status(self) -> Status:
        if self.started_at is None:
            return Status.IDLE
        if self.ended_at is not None:
            return Status.ENDED
        return Status.PAUSED if self.paused_at is not None else Status.RUNNING

    @property
    def total_seconds(self) -> int:
        return self.planned_seconds + self.extended_seconds


def fresh(planned_seconds: int, phases: tuple[Phase, ...], *, version: int = 0) -> TimerState:
    """An idle timer; `version` continues the stored one when a new session follows."""
    if planned_seconds <= 0 or sum(p.seconds for p in phases) != planned_seconds:
        raise ValueError("phases must add up to a positive planned time")
    return TimerState(version=version, planned_seconds=planned_seconds, phases=phases)


def effective_now(state: TimerState, now: float) -> float:
    return now if state.changed_at is None else max(now, state.changed_at)


def elapsed(state: TimerState, now: float) -> float:
    """Active seconds: wall time since start minus every pause, frozen while paused."""
    if state.started_at is None:
        return 0.0
    if state.ended_at is not None:
        stop = state.ended_at
    elif state.paused_at is not None:
        stop = state.paused_at
    else:
        stop = effective_now(state, now)
    return max(0.0, stop - state.started_at - state.paused_total)


def _require(state: TimerState, *allowed: Status) -> None:
    if state.status not in allowed:
        raise Conflict(_REFUSALS[state.status])


def start(state: TimerState, now: float) -> TimerState:
    _require(state, Status.IDLE)
    return replace(state, version=state.version + 1, changed_at=now, started_at=now)


def pause(state: TimerState, now: float) -> TimerState:
    _require(state, Status.RUNNING)
    at = effective_now(state, now)
    return replace(state, version=state.version + 1, changed_at=at, paused_at=at)


def resume(state: TimerState, now: float) -> TimerState:
    _require(state, Status.PAUSED)
    at = effective_now(state, now)
    return replace(
        state,
        version=state.version + 1,
        changed_at=at,
        paused_at=None,
        paused_total=_pauses_until(state, at),
    )


def extend(state: TimerState, now: float, minutes: int) -> TimerState:
    """Adds time to the phase running now, since that is the work that needs it.

    In overtime that is the last phase, so the extra minutes first pay off the overrun.
    """
    if minutes <= 0:
        raise InvalidInput("Extend by a positive number of minutes.", field="minutes")
    _require(state, Status.RUNNING, Status.PAUSED)
    at = effective_now(state, now)
    index, _ = phase_at(state.phases, elapsed(state, at))
    phases = list(state.phases)
    phases[index] = Phase(phases[index].name, phases[index].seconds + minutes * 60)
    return replace(
        state,
        version=state.version + 1,
        changed_at=at,
        phases=tuple(phases),
        extended_seconds=state.extended_seconds + minutes * 60,
    )


def end(state: TimerState, now: float) -> TimerState:
    """Ending while paused folds the open pause into `paused_total`, so active time
    stops at the pause and the wall time still runs to the moment the coach ended."""
    _require(state, Status.RUNNING, Status.PAUSED)
    at = effective_now(state, now)
    return replace(
        state,
        version=state.version + 1,
        changed_at=at,
        paused_at=None,
        paused_total=_pauses_until(state, at),
        ended_at=at,
    )


def _pauses_until(state: TimerState, at: float) -> float:
    if state.paused_at is None:
        return state.paused_total
    return state.paused_total + (at - state.paused_at)
