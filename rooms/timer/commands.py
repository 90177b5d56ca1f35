"""Timer commands from the wire, and who may give them.

A command is parsed completely before anything is read or written, so a malformed one
costs nothing and changes nothing. The optional `version` lets a client say which state
it was looking at: a double-clicked "start" sent after the coach already ended the
session then fails with Conflict instead of silently starting the next session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from rooms import validation
from rooms.errors import Forbidden, InvalidInput
from rooms.models import Role
from rooms.timer import state as machine
from rooms.timer.state import TimerState

EXTEND_MINUTES = (5, 10)
MAX_VERSION = 2**53


class Action(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"
    END = "end"


@dataclass(frozen=True, slots=True)
class TimerCommand:
    action: Action
    minutes: int | None = None
    """Set for EXTEND only."""
    version: int | None = None
    """The state version the sender saw, when it wants a stale command refused."""


def parse_command(raw: object) -> TimerCommand:
    """`{"action": "start"|"pause"|"resume"|"extend"|"end", "minutes": 5|10, "version": n}`."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("Expected an object.", field="command")
    action = validation.choice(raw.get("action"), "action", Action)
    minutes: int | None = None
    if action is Action.EXTEND:
        minutes = validation.integer_in(raw.get("minutes"), "minutes", EXTEND_MINUTES)
    elif raw.get("minutes") is not None:
        raise InvalidInput("Only extend takes minutes.", field="minutes")
    return TimerCommand(action, minutes, _version(raw.get("version")))


def _version(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VERSION:
        raise InvalidInput("Expected a timer version number.", field="version")
    return value


def require_control(role: Role) -> None:
    """The coach leads the session; the client sees the same timer but cannot steer it."""
    if role is not Role.COACH:
        raise Forbidden("Only the coach can control the timer.")


def apply(state: TimerState, command: TimerCommand, now: float) -> TimerState:
    """Runs one parsed command; raises Conflict exactly as the transition does."""
    if command.action is Action.START:
        return machine.start(state, now)
    if command.action is Action.PAUSE:
        return machine.pause(state, now)
    if command.action is Action.RESUME:
        return machine.resume(state, now)
    if command.action is Action.EXTEND:
        return machine.extend(state, now, command.minutes or 0)
    return machine.end(state, now)
