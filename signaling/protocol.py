"""Every Socket.IO event name and error code, in one place.

web/static/js/protocol.js mirrors these values for the browser, and
tests/test_protocol_sync.py keeps the two identical; docs/protocol.md describes each.
"""

from __future__ import annotations

from enum import StrEnum

ROOM_NAMESPACE = "/room"


class Event(StrEnum):
    # client -> server
    JOIN = "join"
    SIGNAL = "signal"
    MEDIA = "media"
    LEAVE = "leave"
    # server -> client
    PRESENCE = "presence"
    PEER_MEDIA = "peer-media"
    REPLACED = "replaced"


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not-found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    ROOM_FULL = "room-full"
    THROTTLED = "throttled"
    NOT_JOINED = "not-joined"
    UNAVAILABLE = "unavailable"
    UNAUTHORIZED = "unauthorized"
    INTERNAL = "internal"


BOARD_NAMESPACE = "/board"


class BoardEvent(StrEnum):
    """The /board namespace (docs/board.md); web/static/js/board.js mirrors these."""

    # client -> server
    JOIN = "join"
    OP = "op"
    PRESENCE = "presence"
    HISTORY = "history"
    PRIVATE_PUT = "private_put"
    PRIVATE_DELETE = "private_delete"
    # server -> client (and PRESENCE)
    APPLIED = "applied"
    PRIVATE = "private"
