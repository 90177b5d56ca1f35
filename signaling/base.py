"""What every namespace does the same way: admit, keep per-socket state, limit, dispatch.

A namespace subclasses `Namespace[P]` with its event enum, its per-socket record `P` (a
`Peer` with whatever else it tracks) and one `on_<event>` method per client event, where
`<event>` is the wire name with ':' and '-' as '_' (`timer:agenda-set` →
`on_timer_agenda_set`). Each method receives the socket's record and the one payload and
returns the ack. Before it runs, and identically on every namespace (docs/protocol.md,
"Acks and errors"):

1. a socket with no record (its connection ended) gets `not-joined`;
2. the event costs a token from the socket's bucket, whatever it is: `throttled` when empty;
3. a name the enum does not list with a method gets `invalid` (field `event`);
4. more than one positional argument gets `invalid` (field `arguments`);
5. an event listed in `requires_join` on a socket that has not joined gets `not-joined`.

Every socket is also indexed by the credentials it was admitted with, so a revocation
(signaling/revocation.py) finds it: `revoked` {reason} is sent and the socket is
disconnected. A coach's socket is revoked the same way when its login session expires.

Every event then gets exactly one ack (signaling/acks.py). Reserved names such as
`connect` never reach a namespace from a client (signaling/server.py), so `connect` and
`disconnect` here are always the real lifecycle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

import socketio

from rooms.clock import Clock
from rooms.errors import NotSeated, TandemError, Throttled
from rooms.ratelimit import TokenBucket
from rooms.revocation import RevokeReason
from signaling.acks import Ack, answer, extra_arguments, unknown_event
from signaling.identity import Authenticator, Identity
from signaling.protocol import REVOKED

logger = logging.getLogger(__name__)

# asyncio runs a timer up to its clock's resolution early; a sweep treats that as on time.
SWEEP_SLACK = 0.01


@dataclass(slots=True)
class Peer:
    """One connected socket: who it is (fixed at connect) and its message budget."""

    sid: str
    identity: Identity
    bucket: TokenBucket
    joined: bool = False
    # When the login session ends, in event-loop time (`Namespace._sweep` cuts it then).
    expires: float | None = None


@dataclass(frozen=True, slots=True)
class Rate:
    """A socket's budget. `message` is a msgid (scripts/messages.py extracts `Rate`'s
    third argument), so pass it positionally."""

    per_second: float
    burst: float
    message: str


P = TypeVar("P", bound=Peer)
Handler = Callable[[P, object], Awaitable[Ack]]


def handler_name(event: str) -> str:
    return "on_" + event.replace(":", "_").replace("-", "_")


class Namespace(socketio.AsyncNamespace, Generic[P]):  # type: ignore[misc]
    requires_join: ClassVar[frozenset[str]] = frozenset()
    # Handled in the socket's read loop, not a task per event (signaling/server.py): only
    # events whose handler never waits on the store (a relay's publish to Redis, when the
    # peer is on another process, is its one wait, bounded by the publish timeout).
    inline: ClassVar[frozenset[str]] = frozenset()
    not_joined: ClassVar[str] = "Join first."

    def __init__(
        self,
        namespace: str,
        events: type[StrEnum],
        peer: type[P],
        authenticator: Authenticator,
        clock: Clock,
        rate: Rate,
    ) -> None:
        super().__init__(namespace)
        self.sockets: dict[str, P] = {}
        self._holding: dict[str, set[str]] = {}  # credential -> sids admitted with it
        # One timer for the soonest login expiry of all sockets, not one per socket.
        self._sweeper: asyncio.TimerHandle | None = None
        self._peer = peer
        self._auth = authenticator
        self._clock = clock
        self._rate = rate
        self._handlers: dict[str, Handler[P]] = {}
        for event in events:
            method = getattr(self, handler_name(event.value), None)
            if method is not None:
                self._handlers[event.value] = method

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            return await self._connect(*args)
        if event == "disconnect":
            return await self._disconnect(*args)
        return await self._dispatch(event, args)

    async def connected(self, peer: P) -> None:
        """After admission; override to set up per-socket state beyond the record."""

    async def disconnected(self, peer: P, reason: str) -> None:
        """After the record is dropped; a TandemError here (the store is away) is logged."""

    async def _connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        identity = await self._auth.admit(environ, auth)
        bucket = TokenBucket(self._rate.per_second, self._rate.burst, self._clock)
        peer = self._peer(sid=sid, identity=identity, bucket=bucket)
        self.sockets[sid] = peer
        for credential in identity.credentials:
            self._holding.setdefault(credential, set()).add(sid)
        if identity.expires_at is not None:
            loop = asyncio.get_running_loop()
            peer.expires = loop.time() + max(0.0, identity.expires_at - self._clock())
            if self._sweeper is None or peer.expires < self._sweeper.when():
                self._schedule_sweep(peer.expires)
        await self.connected(peer)

    def _schedule_sweep(self, when: float | None) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        loop = asyncio.get_running_loop()
        self._sweeper = None if when is None else loop.call_at(when, self._sweep)

    def _sweep(self) -> None:
        """Cuts every socket whose login has ended; a scan, but only when one has."""
        now = asyncio.get_running_loop().time() + SWEEP_SLACK
        soonest: float | None = None
        for peer in list(self.sockets.values()):
            if peer.expires is None:
                continue
            if peer.expires <= now:
                peer.expires = None
                task = asyncio.ensure_future(self._cut(peer, RevokeReason.SESSION_EXPIRED))
                task.add_done_callback(_log_failure)
            elif soonest is None or peer.expires < soonest:
                soonest = peer.expires
        self._sweeper = None
        self._schedule_sweep(soonest)

    async def revoke(self, credential: str, reason: RevokeReason) -> int:
        """Disconnects every socket of this process admitted with `credential`."""
        holders = self._holding.get(credential, set())
        peers = [self.sockets[sid] for sid in holders if sid in self.sockets]
        for peer in peers:
            await self._cut(peer, reason)
        return len(peers)

    async def _cut(self, peer: P, reason: RevokeReason) -> None:
        # Queued before the DISCONNECT packet on the same socket, so it arrives first.
        await self.emit(REVOKED, {"reason": reason.value}, to=peer.sid, ignore_queue=True)
        await self.server.disconnect(peer.sid, namespace=self.namespace, ignore_queue=True)

    async def _disconnect(self, sid: str, reason: str = "") -> None:
        peer = self.sockets.pop(sid, None)
        if peer is None:
            return
        for credential in peer.identity.credentials:
            holders = self._holding.get(credential)
            if holders is not None:
                holders.discard(sid)
                if not holders:
                    del self._holding[credential]
        try:
            await self.disconnected(peer, reason)
        except TandemError as error:  # e.g. Redis is down: the state expires with it
            logger.warning(
                "%s not updated after disconnect: %s",
                self.namespace,
                error.code,
                extra={"sid": sid},
            )

    async def _dispatch(self, event: object, args: tuple[Any, ...]) -> Ack:
        sid, payload = str(args[0]), args[1:]
        name = event if isinstance(event, str) else "?"
        return await answer(self._checked(name, sid, payload), name, sid)

    async def _checked(self, event: str, sid: str, payload: tuple[Any, ...]) -> Ack:
        peer = self.sockets.get(sid)
        if peer is None:
            raise NotSeated("This connection has ended. Reload the page.")
        if not peer.bucket.allow():
            raise Throttled(self._rate.message, retry_after=1.0)
        handler = self._handlers.get(event)
        if handler is None:
            return unknown_event()
        if len(payload) > 1:
            return extra_arguments()
        if event in self.requires_join and not peer.joined:
            raise NotSeated(self.not_joined)
        return await handler(peer, payload[0] if payload else None)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("expired login not disconnected: %s", task.exception())
