"""The shared, server-authoritative session timer with agenda phases.

    agenda.py    the coach's agenda (parsed, defaulted) and its scaling to real phases
    state.py     TimerState as timestamps and the start/pause/resume/extend/end moves
    readout.py   remaining time, current phase, warnings due, the session summary
    commands.py  untrusted commands parsed, the coach-only rule, dispatch
    wire.py      the store record and the client snapshot

Everything here is pure: time comes in as `now`, so tests move a fake clock.
"""

from __future__ import annotations

from rooms.timer.agenda import (
    DEFAULT_AGENDA,
    Agenda,
    AgendaItem,
    Phase,
    parse_agenda,
    phases_for,
)
from rooms.timer.commands import (
    Action,
    TimerCommand,
    apply,
    parse_command,
    require_control,
)
from rooms.timer.readout import (
    PhaseNow,
    SessionSummary,
    TimerWarning,
    WarningKind,
    current_phase,
    due_warnings,
    remaining,
    summary,
)
from rooms.timer.state import (
    Status,
    TimerState,
    elapsed,
    end,
    extend,
    fresh,
    pause,
    resume,
    start,
)
from rooms.timer.wire import from_record, to_record, to_wire

__all__ = (
    "DEFAULT_AGENDA",
    "Action",
    "Agenda",
    "AgendaItem",
    "Phase",
    "PhaseNow",
    "SessionSummary",
    "Status",
    "TimerCommand",
    "TimerState",
    "TimerWarning",
    "WarningKind",
    "apply",
    "current_phase",
    "due_warnings",
    "elapsed",
    "end",
    "extend",
    "fresh",
    "from_record",
    "parse_agenda",
    "parse_command",
    "pause",
    "phases_for",
    "remaining",
    "require_control",
    "resume",
    "start",
    "summary",
    "to_record",
    "to_wire",
)
