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
    └── StoreUnavailable      the backing store cannot be reached ("unavailable")

Handlers map these to HTTP statuses or Socket.IO error acks in one place each, so a new
error needs one class here and nothing else.
"""

from __future__ import annotations


class TandemError(Exception):
    code = "error"

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
    code = "invalid"


class NotFound(TandemError):
    code = "not-found"


class Forbidden(TandemError):
    code = "forbidden"


class Conflict(TandemError):
    code = "conflict"


class RoomFull(TandemError):
    code = "room-full"


class Throttled(TandemError):
    code = "throttled"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotSeated(TandemError):
    code = "not-joined"


class Busy(TandemError):
    """Not the caller's fault (unlike Throttled): the server is at capacity for everyone.

    `retry_after` is a hint in seconds for when capacity is expected to free up."""

    code = "busy"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StoreUnavailable(TandemError):
    code = "unavailable"
