"""The timer as plain dicts: a record for the store and a snapshot for clients.

The snapshot carries the raw timestamps and the server's `now`, so a client that knows
its clock offset (rooms.clocksync) recomputes everything locally every frame instead of
waiting for the server to tick; the computed fields are there for simple clients and
for the moment of the snapshot only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from rooms.timer.agenda import Phase
from rooms.timer.readout import current_phase, remaining, summary
from rooms.timer.state import Status, TimerState, elapsed


def to_record(state: TimerState) -> dict[str, object]:
    return {
        "version": state.version,
        "planned_seconds": state.planned_seconds,
        "phases": [{"name": p.name, "seconds": p.seconds} for p in state.phases],
        "started_at": state.started_at,
        "paused_at": state.paused_at,
        "paused_total": state.paused_total,
        "extended_seconds": state.extended_seconds,
        "ended_at": state.ended_at,
        "changed_at": state.changed_at,
    }


def from_record(record: Mapping[str, Any]) -> TimerState:
    """Reads what `to_record` wrote (and so also a snapshot); not for untrusted input."""
    return TimerState(
        version=int(record["version"]),
        planned_seconds=int(record["planned_seconds"]),
        phases=tuple(Phase(str(p["name"]), int(p["seconds"])) for p in record["phases"]),
        started_at=_time(record["started_at"]),
        paused_at=_time(record["paused_at"]),
        paused_total=float(record["paused_total"]),
        extended_seconds=int(record["extended_seconds"]),
        ended_at=_time(record["ended_at"]),
        changed_at=_time(record["changed_at"]),
    )


def _time(value: Any) -> float | None:
    return None if value is None else float(value)


def to_wire(state: TimerState, now: float) -> dict[str, object]:
    phase = current_phase(state, now)
    wire = to_record(state)
    wire.update(
        status=state.status.value,
        server_now=now,
        elapsed=elapsed(state, now),
        remaining=remaining(state, now),
        phase={"index": phase.index, "name": phase.name, "seconds_left": phase.seconds_left},
        summary=asdict(summary(state)) if state.status is Status.ENDED else None,
    )
    return wire
