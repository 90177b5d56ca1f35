"""The one exception tree of the domain, each class carrying its wire code.

    TandemError
    ├── InvalidInput          bad shape, type or size ("invalid")
    ├── NotFound              unknown or not yours ("not-found")
    ├── Forbidden             known, but this actor may not do it ("forbidden")
    ├── Conflict              lost a race or stale version ("conflict")
    ├── RoomFull              both seats are taken ("room-full")
    ├── Throttled             too many attempts; retry later ("throttled")
    ├── NotSeated             this connection holds no seat (left or replaced) ("not-joined")
    ├── Busy                  a shared capacity (e.g. echo peers) is exhausted; retry later ("busy")
    ├── TryAgain              board backlog full; nothing applied, send it again ("try-again")
    ├── Unauthorized          no valid invite or login at connect ("unauthorized")
    ├── AwaitingAdmission     another device's join waits to be let in ("waiting")
    └── StoreUnavailable      the backing store cannot be reached ("unavailable")

Each class's wire code is a member of `ErrorCode`, defined here beside the classes so the
code and the exception that carries it cannot drift apart; signaling/protocol.py and
web/static/js/protocol.js publish the same enum (tests/test_protocol_sync.py). Handlers
map these to HTTP statuses or Socket.IO error acks in one place each, so a new error needs
one class and one code here and nothing else.
"""

from __future__ import annotations

from enum import StrEnum


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
    INTERNAL = "internal"  # a bug: no exception carries it (signaling/acks.py answers it)
    BUSY = "busy"
    WAITING = "waiting"

    TRY_AGAIN = "try-again"


class TandemError(Exception):
    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(
        self, message: str, *, field: str | None = None, params: dict[str, object] | None = None
    ) -> None:
        """`message` is an English msgid with %(name)s placeholders filled from `params`,
        so the web layer can translate it before filling it in."""
        self.template = message
        self.params = params or {}
        self.message = message % self.params if self.params else message
        self.field = field
        super().__init__(self.message)

    def to_wire(self) -> dict[str, object]:
        wire: dict[str, object] = {"ok": False, "error": self.code, "message": self.message}
        if self.field is not None:
            wire["field"] = self.field
        return wire


class InvalidInput(TandemError):
    code = ErrorCode.INVALID


class NotFound(TandemError):
    code = ErrorCode.NOT_FOUND


class Forbidden(TandemError):
    code = ErrorCode.FORBIDDEN


class Conflict(TandemError):
    code = ErrorCode.CONFLICT


class RoomFull(TandemError):
    code = ErrorCode.ROOM_FULL


class Throttled(TandemError):
    code = ErrorCode.THROTTLED

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotSeated(TandemError):
    code = ErrorCode.NOT_JOINED


class Busy(TandemError):
    """Not the caller's fault (unlike Throttled): the server is at capacity for everyone.

    `retry_after` is a hint in seconds for when capacity is expected to free up."""

    code = ErrorCode.BUSY

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AwaitingAdmission(TandemError):
    """Not a failure: a join from another device waits for `asked` ("coach" or "client",
    rooms/admission.py) to let it in; `admission` {request, admitted} follows."""

    code = ErrorCode.WAITING

    def __init__(self, message: str, *, asked: str, request: str) -> None:
        super().__init__(message)
        self.asked = asked
        self.request = request

    def to_wire(self) -> dict[str, object]:
        return {**super().to_wire(), "asked": self.asked, "request": self.request}


class TryAgain(TandemError):
    """Back-pressure: the server is committing as fast as it can and this request would
    wait too long; nothing was changed, and the same request (same op id) may be sent
    again after `retry_after` seconds."""

    code = ErrorCode.TRY_AGAIN

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def to_wire(self) -> dict[str, object]:
        return {**super().to_wire(), "retry_after": self.retry_after}


class StoreUnavailable(TandemError):
    code = ErrorCode.UNAVAILABLE


class Unauthorized(TandemError):
    """A connection without a live invite or login; counted per address at connect."""

    code = ErrorCode.UNAUTHORIZED
