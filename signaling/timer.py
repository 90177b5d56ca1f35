"""The /timer namespace: one shared session clock per engagement, steered by the coach.

The timer lives in the store as timestamps (rooms.timer); this namespace only parses,
asks rooms.timer_service.Timers to act, and tells both sides the new state. Each socket
joins exactly one Socket.IO room, that of the engagement it authenticated for, and every
emit names that room, so no timer event can reach another engagement.

Event names carry a `timer:` prefix on the wire; `trigger_event` maps them to `on_<name>`
methods (`timer:agenda-set` → `on_agenda_set`) and answers anything else with an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import socketio

from rooms.clock import Clock
from rooms.errors import InvalidInput, NotSeated, TandemError, Throttled
from rooms.models import Engagement
from rooms.ratelimit import TokenBucket
from rooms.session_service import Sessions
from rooms.store.protocol import CallStore
from rooms.timer import Action, Agenda, TimerState, to_wire
from rooms.timer_service import Timers
from signaling.acks import Ack, acked, ok
from signaling.identity import Authenticator, Identity
from signaling.protocol import TIMER_NAMESPACE, TimerEvent
from signaling.timer_schemas import (
    Ping,
    parse_agenda_get,
    parse_agenda_set,
    parse_join,
    parse_timer_command,
)

logger = logging.getLogger(__name__)

PREFIX = "timer:"
HANDLED = frozenset(event.value for event in TimerEvent)
EVENT_RATE = 5.0  # per second, sustained: a few clock-sync pings and the odd click
EVENT_BURST = 60.0


@dataclass
class TimerMember:
    identity: Identity
    bucket: TokenBucket
    joined: bool = False

    @property
    def room(self) -> str:
        return f"timer:{self.identity.engagement.id}"


class TimerNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self,
        authenticator: Authenticator,
        timers: Timers,
        calls: CallStore,
        clock: Clock,
        sessions: Sessions,
    ) -> None:
        super().__init__(TIMER_NAMESPACE)
        self._auth = authenticator
        self._timers = timers
        self._calls = calls
        self._sessions = sessions
        self._clock = clock
        self._members: dict[str, TimerMember] = {}

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            return await super().trigger_event(event, *args)
        if event in HANDLED and not _server_to_client(event):
            name = event.removeprefix(PREFIX).replace("-", "_")
            return await super().trigger_event(name, *args)
        return InvalidInput("Unknown event.").to_wire()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        identity = await self._auth.admit(environ, auth)
        self._members[sid] = TimerMember(
            identity, TokenBucket(EVENT_RATE, EVENT_BURST, self._clock)
        )

    async def on_disconnect(self, sid: str, reason: str = "") -> None:
        self._members.pop(sid, None)

    @acked
    async def on_join(self, sid: str, payload: object = None) -> Ack:
        member = self._limited(sid)
        parse_join(payload)
        engagement = member.identity.engagement
        minutes = await self._sessions.planned_minutes(engagement)
        state = await self._timers.state(engagement.id, minutes)
        agenda = await self._timers.agenda(engagement.id)
        await self.enter_room(sid, member.room)
        member.joined = True
        now = self._clock()
        return ok(
            role=member.identity.role.value,
            state=to_wire(state, now),
            agenda=agenda.to_wire(),
            planned_minutes=minutes,
            server_time=now,
        )

    @acked
    async def on_command(self, sid: str, payload: object = None) -> Ack:
        member = self._joined(sid)
        command = parse_timer_command(payload)
        engagement = member.identity.engagement
        minutes = await self._sessions.planned_minutes(engagement)
        state = await self._timers.execute(engagement.id, member.identity.role, command, minutes)
        if command.action is Action.END:
            await self._log_session_end(engagement, state)
        wire = to_wire(state, self._clock())
        await self.emit(TimerEvent.STATE, {"state": wire}, room=member.room)
        logger.info("timer %s", command.action.value, extra={"room": engagement.id, "sid": sid})
        return ok(state=wire)

    @acked
    async def on_ping(self, sid: str, payload: object = None) -> Ack:
        self._limited(sid)
        ping = Ping.parse(payload)
        return ok(t0=ping.t0, server_time=self._clock())

    @acked
    async def on_agenda(self, sid: str, payload: object = None) -> Ack:
        member = self._limited(sid)
        parse_agenda_get(payload)
        engagement_id = member.identity.engagement.id
        stored = await self._timers.stored_agenda(engagement_id)
        agenda = stored or await self._timers.agenda(engagement_id)
        return ok(agenda=agenda.to_wire(), default=stored is None)

    @acked
    async def on_agenda_set(self, sid: str, payload: object = None) -> Ack:
        member = self._limited(sid)
        raw = parse_agenda_set(payload)
        engagement = member.identity.engagement
        agenda: Agenda = await self._timers.set_agenda(
            engagement.id, member.identity.role, raw, engagement.session_minutes
        )
        await self.emit(TimerEvent.AGENDA_UPDATED, {"agenda": agenda.to_wire()}, room=member.room)
        return ok(agenda=agenda.to_wire())

    async def _log_session_end(self, engagement: Engagement, state: TimerState) -> None:
        """The session log's open call ends when the coach ends the session, not when the
        last tab closes later, so its duration is the session's real length. A later
        leave finds no open call and changes nothing (CallStore.close_call)."""
        if state.ended_at is not None:
            call = await self._calls.close_call(engagement.id, state.ended_at)
            try:  # the timer has ended either way; the next call close catches up
                if call is not None:
                    await self._sessions.call_closed(engagement, call)
                await self._sessions.timer_ended(engagement, state.ended_at)
            except TandemError as error:
                logger.warning("session not updated: %s", error.code, extra={"room": engagement.id})

    def _member(self, sid: str) -> TimerMember:
        member = self._members.get(sid)
        if member is None:
            raise NotSeated("This connection has ended. Reload the page.")
        return member

    def _limited(self, sid: str) -> TimerMember:
        member = self._member(sid)
        if not member.bucket.allow():
            raise Throttled("Too many messages; slow down.", retry_after=1.0)
        return member

    def _joined(self, sid: str) -> TimerMember:
        member = self._limited(sid)
        if not member.joined:
            raise NotSeated("Join the timer first.")
        return member


def _server_to_client(event: str) -> bool:
    return event in (TimerEvent.STATE, TimerEvent.AGENDA_UPDATED)
