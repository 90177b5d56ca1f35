"""The /techcheck namespace: a loopback call with the echo peer, and the readiness report.

A socket is bound at connect to one engagement (client invite or coach cookie) and every
event acts on that engagement only; no payload names an engagement. Each socket holds at
most one echo session, and so does each person of an engagement: a second tab's offer
takes the session over and the first tab is told (`echo:taken-over`), so one invite
cannot hold several of the few echo slots. Whatever way the socket ends (disconnect,
dropped transport, shutdown) its session is closed, so the echo peer's capacity is never
leaked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from rooms.clock import Clock
from rooms.errors import Busy, Forbidden, InvalidInput, NotSeated, Throttled
from rooms.models import Role
from rooms.ratelimit import TokenBucket
from rooms.rehearsal import parse_report
from rooms.store import Store
from rooms.techcheck import THRESHOLDS, make_report, parse_submission
from rooms.turn import IceConfig, ice_servers
from signaling.acks import Ack, acked, ok
from signaling.echo import EchoService
from signaling.identity import Authenticator, Identity
from signaling.protocol import TECHCHECK_NAMESPACE, TechCheckEvent

logger = logging.getLogger(__name__)

EVENT_RATE = 2.0  # per second, sustained: a check needs a handful of events
EVENT_BURST = 20.0
ICE_CREDENTIAL_SECONDS = 30 * 60


@dataclass
class Checker:
    identity: Identity
    bucket: TokenBucket
    session: str | None = None
    # Serialises offer/stop/disconnect of one socket, so a disconnect arriving while an
    # offer is being answered still closes the session that offer opens.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    gone: bool = False


class TechCheckNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self,
        authenticator: Authenticator,
        store: Store,
        clock: Clock,
        echo: EchoService,
        ice: IceConfig,
    ) -> None:
        super().__init__(TECHCHECK_NAMESPACE)
        self._auth = authenticator
        self._store = store
        self._clock = clock
        self.echo = echo
        self._ice = ice
        self._checkers: dict[str, Checker] = {}
        self._handlers: dict[str, Callable[..., Awaitable[Ack]]] = {
            TechCheckEvent.ECHO_ICE: self.on_echo_ice,
            TechCheckEvent.ECHO_OFFER: self.on_echo_offer,
            TechCheckEvent.ECHO_STATS: self.on_echo_stats,
            TechCheckEvent.ECHO_STOP: self.on_echo_stop,
            TechCheckEvent.REPORT_SAVE: self.on_report_save,
            TechCheckEvent.REPORT_LATEST: self.on_report_latest,
            TechCheckEvent.REHEARSAL_SAVE: self.on_rehearsal_save,
        }

    async def trigger_event(self, event: str, *args: Any) -> Any:
        # Our event names contain ':' and so cannot be found as `on_<event>` methods.
        handler = self._handlers.get(event)
        if handler is not None:
            return await handler(*args)
        return await super().trigger_event(event, *args)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        identity = await self._auth.admit(environ, auth)
        bucket = TokenBucket(EVENT_RATE, EVENT_BURST, self._clock)
        self._checkers[sid] = Checker(identity, bucket)

    async def on_disconnect(self, sid: str, reason: str = "") -> None:
        checker = self._checkers.pop(sid, None)
        if checker is not None:
            checker.gone = True
            await self._stop(checker)

    @acked
    async def on_echo_ice(self, sid: str, payload: object = None) -> Ack:
        """The same STUN/TURN servers as a real call, so the check takes the same path."""
        checker = self._checker(sid)
        user = f"{checker.identity.engagement.id}-{checker.identity.role.value}-check"
        servers = ice_servers(self._ice, user, self._clock() + ICE_CREDENTIAL_SECONDS)
        return ok(
            iceServers=servers,
            iceTransportPolicy=self._ice.transport_policy,
            thresholds=THRESHOLDS,
        )

    @acked
    async def on_echo_offer(self, sid: str, payload: object = None) -> Ack:
        checker = self._checker(sid)
        if not isinstance(payload, dict):
            raise InvalidInput("Expected an object.")
        async with checker.lock:
            await self._stop_locked(checker)  # a new offer replaces this socket's session
            identity = checker.identity
            owner = f"{identity.engagement.id}:{identity.role.value}"
            sdp: Any = payload.get("sdp")  # checked by the echo service's offer parser
            kind: Any = payload.get("type", "offer")
            try:
                session = await self.echo.open(sdp, kind, owner)
            except Busy as busy:
                return {**busy.to_wire(), "retry_after": round(busy.retry_after, 1)}
            if checker.gone:  # disconnected while we negotiated: nobody will use it
                await self.echo.close(session.session_id)
                raise NotSeated("This connection has ended. Reload the page.")
            checker.session = session.session_id
        if session.replaced is not None:
            await self._taken_over(sid, session.replaced)
        logger.info("tech check started", extra={"room": checker.identity.engagement.id})
        return ok(
            session=session.session_id,
            answer={"type": session.answer_type, "sdp": session.answer_sdp},
        )

    @acked
    async def on_echo_stats(self, sid: str, payload: object = None) -> Ack:
        checker = self._checker(sid)
        if checker.session is None:
            raise NotSeated("Start the connection test first.")
        return ok(stats=await self.echo.stats(checker.session))

    @acked
    async def on_echo_stop(self, sid: str, payload: object = None) -> Ack:
        checker = self._checker(sid)
        return ok(stopped=await self._stop(checker))

    @acked
    async def on_report_save(self, sid: str, payload: object = None) -> Ack:
        checker = self._checker(sid)
        data = payload if isinstance(payload, dict) else {}
        if set(data) - {"report"}:
            raise InvalidInput("Unknown field in %(field)s.", params={"field": "payload"})
        submission = parse_submission(data.get("report"))
        identity = checker.identity
        report = make_report(identity.engagement.id, identity.role, self._clock(), submission)
        await self._store.save_techcheck(report)
        logger.info(
            "tech check saved: %s", report.readiness, extra={"room": identity.engagement.id}
        )
        return ok(report=report.to_wire())

    @acked
    async def on_report_latest(self, sid: str, payload: object = None) -> Ack:
        checker = self._checker(sid)
        if payload not in (None, {}):
            raise InvalidInput("This event takes no arguments.")
        identity = checker.identity
        report = await self._store.latest_techcheck(identity.engagement.id, identity.role)
        return ok(report=report.to_wire() if report else None)

    @acked
    async def on_rehearsal_save(self, sid: str, payload: object = None) -> Ack:
        """The room rehearsal's progress; the client's alone (the coach sees it logged)."""
        checker = self._checker(sid)
        engagement = checker.identity.engagement
        if checker.identity.role is not Role.CLIENT:
            raise Forbidden("Only the client rehearses the room.")
        report = parse_report(payload)
        rehearsal = await self._store.record_rehearsal(engagement.id, report, self._clock())
        logger.info(
            "rehearsal %s: %d steps done",
            report.rehearsal_id,
            len(rehearsal.done),
            extra={"room": engagement.id},
        )
        return ok(rehearsal=rehearsal.to_wire())

    async def _taken_over(self, sid: str, session_id: str) -> None:
        """The same person's other tab or device had the echo session this one replaced:
        it learns why its test stopped (one session per person and engagement)."""
        for other_sid, other in list(self._checkers.items()):
            if other_sid != sid and other.session == session_id:
                other.session = None
                await self.emit(TechCheckEvent.ECHO_TAKEN_OVER, {}, to=other_sid)

    def _checker(self, sid: str) -> Checker:
        checker = self._checkers.get(sid)
        if checker is None:
            raise NotSeated("This connection has ended. Reload the page.")
        if not checker.bucket.allow():
            raise Throttled("Too many messages; slow down.", retry_after=1.0)
        return checker

    async def _stop(self, checker: Checker) -> bool:
        async with checker.lock:
            return await self._stop_locked(checker)

    async def _stop_locked(self, checker: Checker) -> bool:
        session, checker.session = checker.session, None
        return session is not None and await self.echo.close(session)
