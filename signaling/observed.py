"""Watching every Socket.IO event where they all pass: the server's dispatch to namespaces.

Every connect, disconnect and client event of every namespace goes through
`AsyncServer._trigger_event`, so counting there needs no code in any handler: the ack a
handler returns (`{"ok": false, "error": code}`) says how it went. Label values are only
ever our own names (namespaces we registered, events in signaling/protocol.py, error
codes), never anything a client chose, so a client cannot blow up the metrics.

The socket id of the event being handled is put in a context variable, so every log line
written while handling it carries the id (server/logs.py) without each call naming it.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, Protocol

import socketio

from signaling import protocol
from signaling.protocol import ErrorCode

SOCKET_ID: ContextVar[str | None] = ContextVar("tandem_socket_id", default=None)

# Every event enum of signaling/protocol.py, so a new namespace's events are counted by
# name without a change here.
KNOWN_EVENTS = frozenset(
    member.value
    for item in vars(protocol).values()
    if isinstance(item, type) and issubclass(item, StrEnum) and item is not ErrorCode
    for member in item
)
KNOWN_CODES = frozenset(code.value for code in ErrorCode)
UNKNOWN = "unknown"


class SignalObserver(Protocol):
    def connected(self, namespace: str) -> None: ...

    def refused(self, namespace: str, code: str) -> None: ...

    def disconnected(self, namespace: str) -> None: ...

    def handled(self, namespace: str, event: str, code: str | None, seconds: float) -> None:
        """`code` is None for a successful ack (or an event without one)."""


class Silent:
    """The observer of an app built without metrics (e.g. a benchmark)."""

    def connected(self, namespace: str) -> None:
        pass

    def refused(self, namespace: str, code: str) -> None:
        pass

    def disconnected(self, namespace: str) -> None:
        pass

    def handled(self, namespace: str, event: str, code: str | None, seconds: float) -> None:
        pass


class ObservedServer(socketio.AsyncServer):  # type: ignore[misc]
    def __init__(self, *args: Any, observer: SignalObserver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observer = observer

    async def _trigger_event(self, event: str, namespace: str, *args: Any) -> Any:
        name = namespace if namespace in self.namespace_handlers else UNKNOWN
        sid = args[0] if args and isinstance(args[0], str) else None
        token = SOCKET_ID.set(sid)
        try:
            if event == "connect":
                return await self._connect(name, namespace, *args)
            if event == "disconnect":
                try:
                    return await super()._trigger_event(event, namespace, *args)
                finally:
                    self.observer.disconnected(name)
            started = time.perf_counter()
            result = await super()._trigger_event(event, namespace, *args)
            label = event if event in KNOWN_EVENTS else UNKNOWN
            self.observer.handled(name, label, _code(result), time.perf_counter() - started)
            return result
        finally:
            SOCKET_ID.reset(token)

    async def _connect(self, name: str, namespace: str, *args: Any) -> Any:
        try:
            result = await super()._trigger_event("connect", namespace, *args)
        except socketio.exceptions.ConnectionRefusedError as refusal:
            data = refusal.error_args.get("data") if isinstance(refusal.error_args, dict) else None
            code = data.get("error") if isinstance(data, dict) else None
            self.observer.refused(name, code if code in KNOWN_CODES else UNKNOWN)
            raise
        if result is False:
            self.observer.refused(name, UNKNOWN)
        else:
            self.observer.connected(name)
        return result


def _code(ack: object) -> str | None:
    if isinstance(ack, dict) and ack.get("ok") is False:
        code = ack.get("error")
        return code if code in KNOWN_CODES else UNKNOWN
    return None
