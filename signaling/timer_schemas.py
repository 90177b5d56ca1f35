"""One parser per /timer event: an untrusted payload becomes a typed value or InvalidInput.

Unknown keys are refused rather than ignored, so a client built against another version
of the protocol hears about it instead of having half its request silently dropped. The
timer rules themselves (which commands exist, extend by 5 or 10) stay in rooms.timer;
these parsers only fix the wire shape around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rooms.errors import InvalidInput
from rooms.timer import Action, TimerCommand, parse_command

MAX_CLIENT_TIME = 1e13  # a client's clock reading in seconds or milliseconds since 1970


def _mapping(payload: object, allowed: frozenset[str]) -> dict[str, Any]:
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise InvalidInput("Expected an object.")
    unknown = sorted(key for key in payload if key not in allowed)
    if unknown:
        raise InvalidInput("Unexpected field.", field=str(unknown[0])[:40])
    return payload


def parse_join(payload: object) -> None:
    """`timer:join` takes no fields: who and which engagement come from the connection."""
    _mapping(payload, frozenset())


def parse_timer_command(payload: object) -> TimerCommand:
    """`{"command": "start"|"pause"|"resume"|"extend"|"end", "minutes"?: 5|10, "version"?: n}`"""
    data = _mapping(payload, frozenset({"command", "minutes", "version"}))
    command = data.get("command")
    if not isinstance(command, str) or command not in {a.value for a in Action}:
        raise InvalidInput(
            "Choose one of: %(options)s.",
            field="command",
            params={"options": ", ".join(a.value for a in Action)},
        )
    return parse_command(
        {"action": command, "minutes": data.get("minutes"), "version": data.get("version")}
    )


@dataclass(frozen=True, slots=True)
class Ping:
    """`{"t0": number}`: the client's send time, echoed untouched so the client needs no
    bookkeeping to pair an answer with its question."""

    t0: float

    @classmethod
    def parse(cls, payload: object) -> Ping:
        data = _mapping(payload, frozenset({"t0"}))
        t0 = data.get("t0")
        if (
            isinstance(t0, bool)
            or not isinstance(t0, int | float)
            or not math.isfinite(t0)
            or abs(t0) > MAX_CLIENT_TIME
        ):
            raise InvalidInput("Expected the client's time as a number.", field="t0")
        return cls(float(t0))


def parse_agenda_get(payload: object) -> None:
    _mapping(payload, frozenset())


def parse_agenda_set(payload: object) -> object:
    """`{"phases": [{"name": str, "minutes": int}, ...]}`; the phases are checked by
    rooms.timer.parse_agenda, which owns the limits."""
    data = _mapping(payload, frozenset({"phases"}))
    if "phases" not in data:
        raise InvalidInput("This field is required.", field="phases")
    return data["phases"]
