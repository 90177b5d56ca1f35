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
from dataclasses import dataclass, field
from typing import Any

from rooms.clock import Clock
from rooms.errors import Busy, Forbidden, InvalidInput, NotSeated
from rooms.models import Role
from rooms.rehearsal import parse_report
from rooms.store import Store
from rooms.techcheck import THRESHOLDS, make_report, parse_submission
from rooms.turn import IceConfig, ice_servers
from signaling.acks import Ack, ok
from signaling.base import Namespace, Peer, Rate
from signaling.echo import EchoService
from signaling.identity import Authenticator
from signaling.protocol import TECHCHECK_NAMESPACE, TechCheckEvent

logger = logging.getLogger(__name__)

# 2 per second sustained: a check needs a handful of events.
RATE = Rate(2.0, 20.0, "Too many messages; slow down.")
ICE_CREDENTIAL_SECONDS = 30 * 60


@dataclass(slots=True)
class Checker(Peer):
    session: str | None = None
    # Serialises offer/stop/disconnect of one socket, so a disconnect arriving while an
    # offer is being answered still closes the session that offer opens.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    gone: bool = False


class TechCheckNamespace(Namespace[Checker]):
    def __init__(
        self,
        authenticator: Authenticator,
        reports: Store,
        clock: Clock,
        echo: EchoService,
        ice: IceConfig,
    ) -> None:
        super().__init__(TECHCHECK_NAMESPACE, TechCheckEvent, Checker, authenticator, clock, RATE)
        self._reports = reports
        self.echo = echo
        self._ice = ice

    async def disconnected(self, checker: Checker, reason: str) -> None:
        checker.gone = True
        await self._stop(checker)

    async def on_echo_ice(self, checker: Checker, payload: object) -> Ack:
        """The same STUN/TURN servers as a real call, so the check takes the same path."""
        user = f"{checker.identity.engagement.id}-{checker.identity.role.value}-check"
        servers = ice_servers(self._ice, user, self._clock() + ICE_CREDENTIAL_SECONDS)
        return ok(
            iceServers=servers,
            iceTransportPolicy=self._ice.transport_policy,
            thresholds=THRESHOLDS,
        )

    async def on_echo_offer(self, checker: Checker, payload: object) -> Ack:
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
            await self._taken_over(checker, session.replaced)
        logger.info("tech check started", extra={"room": checker.identity.engagement.id})
        return ok(
            session=session.session_id,
            answer={"type": session.answer_type, "sdp": session.answer_sdp},
        )

    async def on_echo_stats(self, checker: Checker, payload: object) -> Ack:
        if checker.session is None:
            raise NotSeated("Start the connection test first.")
        return ok(stats=await self.echo.stats(checker.session))

    async def on_echo_stop(self, checker: Checker, payload: object) -> Ack:
        return ok(stopped=await self._stop(checker))

    async def on_report_save(self, checker: Checker, payload: object) -> Ack:
        data = payload if isinstance(payload, dict) else {}
        if set(data) - {"report"}:
            raise InvalidInput("Unknown field in %(field)s.", params={"field": "payload"})
        submission = parse_submission(data.get("report"))
        identity = checker.identity
        report = make_report(identity.engagement.id, identity.role, self._clock(), submission)
        await self._reports.save_techcheck(report)
        logger.info(
            "tech check saved: %s", report.readiness, extra={"room": identity.engagement.id}
        )
        return ok(report=report.to_wire())

    async def on_report_latest(self, checker: Checker, payload: object) -> Ack:
        if payload not in (None, {}):
            raise InvalidInput("This event takes no arguments.")
        identity = checker.identity
        report = await self._reports.latest_techcheck(identity.engagement.id, identity.role)
        return ok(report=report.to_wire() if report else None)

    async def on_rehearsal_save(self, checker: Checker, payload: object) -> Ack:
        """The room rehearsal's progress; the client's alone (the coach sees it logged)."""
        engagement = checker.identity.engagement
        if checker.identity.role is not Role.CLIENT:
            raise Forbidden("Only the client rehearses the room.")
        report = parse_report(payload)
        rehearsal = await self._reports.record_rehearsal(engagement.id, report, self._clock())
        logger.info(
            "rehearsal %s: %d steps done",
            report.rehearsal_id,
            len(rehearsal.done),
            extra={"room": engagement.id},
        )
        return ok(rehearsal=rehearsal.to_wire())

    async def _taken_over(self, checker: Checker, session_id: str) -> None:
        """The same person's other tab or device had the echo session this one replaced:
        it learns why its test stopped (one session per person and engagement)."""
        for other in list(self.sockets.values()):
            if other is not checker and other.session == session_id:
                other.session = None
                await self.emit(TechCheckEvent.ECHO_TAKEN_OVER, {}, to=other.sid)

    async def _stop(self, checker: Checker) -> bool:
        async with checker.lock:
            return await self._stop_locked(checker)

    async def _stop_locked(self, checker: Checker) -> bool:
        session, checker.session = checker.session, None
        return session is not None and await self.echo.close(session)
