"""The two seats of a room, and who may sit in them.

A room has exactly two seats, coach and client, and a credential names its seat. The
question is what happens when a second connection presents the same credential:

- the same browser (same device key, kept in localStorage: a reload, a second tab, an
  automatic reconnect) takes the seat over and the old connection is told it was replaced;
- another device takes it over only when the person says so (`takeover`), so a forwarded
  invite link is refused with "room-full" instead of silently pushing the client out, and
  the real person is never locked out of their own seat (one click: "join here instead").

`claim` decides in one step; backends run it inside one atomic operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rooms.calls import CallKind, CallRecord
from rooms.errors import InvalidInput, RoomFull
from rooms.models import Role

DEVICE_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class SeatState(StrEnum):
    HERE = "here"
    RECONNECTING = "reconnecting"


@dataclass(frozen=True, slots=True)
class SeatHolder:
    """`device` identifies the browser (shared by its tabs); `session` one page load, so
    the other side knows when to start a fresh peer connection. `practice` is kept with
    the seat (not in the process) so whichever process completes the pair logs the call
    with the right kind."""

    sid: str
    device: str
    state: SeatState
    since: float
    session: str
    practice: bool = False


@dataclass(frozen=True, slots=True)
class SeatClaim:
    """What one join did, in one store step: the holder it replaced (None: the seat was
    free), both seats as they stand after it (for presence), and the call it opened when
    it completed the pair and none was open."""

    previous: SeatHolder | None
    seats: dict[Role, SeatHolder]
    opened: CallRecord | None


def call_kind(holders: Iterable[SeatHolder]) -> CallKind:
    """A call is practice when either person joined to practise."""
    return CallKind.PRACTICE if any(h.practice for h in holders) else CallKind.REAL


def parse_key(value: object, field: str) -> str:
    if not isinstance(value, str) or not DEVICE_KEY.match(value):
        raise InvalidInput("A key of 16 to 64 letters, digits, - or _ is required.", field=field)
    return value


def claim(current: SeatHolder | None, incoming: SeatHolder, *, takeover: bool) -> None:
    """Raises RoomFull unless `incoming` may take the seat from `current`."""
    if current is None or current.device == incoming.device or takeover:
        return
    raise RoomFull(
        "This session already has two people. If you are one of them on another device, "
        "choose to join here instead."
    )


def other(role: Role) -> Role:
    return Role.CLIENT if role is Role.COACH else Role.COACH
