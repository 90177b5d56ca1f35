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
    CALL_REPORT = "call_report"
    CONNECTED = "connected"
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
    BUSY = "busy"


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
