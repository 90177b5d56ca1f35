"""Every Socket.IO namespace, event name and error code, in one place.

web/static/js/protocol.js mirrors every enum here for the browser, and
tests/test_protocol_sync.py fails when the two differ or when docs/protocol.md (or the
page it points to for a namespace) leaves one out. The error codes are defined beside the
exceptions that carry them (rooms/errors.py) and only published here.

A namespace's handlers are found from its enum (signaling/base.py): `timer:agenda-set`
is handled by `on_timer_agenda_set`; a member with no such method (server → client only)
is, like any other name, an unknown event when a client sends it.
"""

from __future__ import annotations

from enum import StrEnum

from rooms.admission import Asked, ReplacedReason
from rooms.errors import ErrorCode
from rooms.revocation import RevokeReason

__all__ = (
    "BOARD_NAMESPACE",
    "MESSAGES_NAMESPACE",
    "RESERVED_EVENTS",
    "REVOKED",
    "ROOM_NAMESPACE",
    "TECHCHECK_NAMESPACE",
    "TIMER_NAMESPACE",
    "Asked",
    "BoardEvent",
    "ErrorCode",
    "Event",
    "MessageEvent",
    "ReplacedReason",
    "RevokeReason",
    "TechCheckEvent",
    "TimerEvent",
)

ROOM_NAMESPACE = "/room"


class Event(StrEnum):
    """The /room namespace (this page of docs/protocol.md)."""

    # client -> server
    JOIN = "join"
    SIGNAL = "signal"
    MEDIA = "media"
    LEAVE = "leave"
    CALL_REPORT = "call_report"
    CONNECTED = "connected"
    ADMIT = "admit"
    # server -> client
    PRESENCE = "presence"
    PEER_MEDIA = "peer-media"
    REPLACED = "replaced"
    ADMISSION_REQUEST = "admission-request"
    ADMISSION = "admission"
    ADMISSION_WITHDRAWN = "admission-withdrawn"


# The shared session timer (signaling/timer.py, docs/timer.md). Its own namespace, so a
# page can show the clock without holding a seat in the video room.
TIMER_NAMESPACE = "/timer"


class TimerEvent(StrEnum):
    # client -> server
    JOIN = "timer:join"
    COMMAND = "timer:command"
    PING = "timer:ping"
    AGENDA = "timer:agenda"
    AGENDA_SET = "timer:agenda-set"
    # server -> client
    STATE = "timer:state"
    AGENDA_UPDATED = "timer:agenda-updated"


TECHCHECK_NAMESPACE = "/techcheck"


class TechCheckEvent(StrEnum):
    """Client -> server, each answered by its ack, except ECHO_TAKEN_OVER, which the server
    sends to a socket whose echo session another tab of the same person took over
    (docs/techcheck.md)."""

    ECHO_ICE = "echo:ice"
    ECHO_OFFER = "echo:offer"
    ECHO_STATS = "echo:stats"
    ECHO_STOP = "echo:stop"
    ECHO_TAKEN_OVER = "echo:taken-over"
    REPORT_SAVE = "report:save"
    REPORT_LATEST = "report:latest"
    # The room rehearsal (docs/rehearsal.md) uses the same echo peer and logs its progress.
    REHEARSAL_SAVE = "rehearsal:save"


BOARD_NAMESPACE = "/board"


class BoardEvent(StrEnum):
    """The /board namespace (docs/board.md)."""

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


# The message thread between sessions (signaling/messages.py, docs/messages.md).
MESSAGES_NAMESPACE = "/messages"


class MessageEvent(StrEnum):
    # client -> server
    JOIN = "join"
    SEND = "send"
    READ = "read"
    OLDER = "older"
    # server -> client
    MESSAGE = "message"
    RECEIPT = "receipt"


# Server -> client on every namespace: the credential this socket was admitted with has
# ended (signaling/revocation.py); {reason} is a RevokeReason, and the disconnect follows.
REVOKED = "revoked"


# Names Socket.IO itself gives meaning to. A client packet carrying one is refused before
# any namespace sees it (signaling/server.py): python-socketio would otherwise run the
# namespace's connect or disconnect handler again on a live socket.
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)
