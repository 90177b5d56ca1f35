"""The /timer namespace: one shared session clock per engagement, steered by the coach.

The timer lives in the store as timestamps (rooms.timer); this namespace only parses,
asks rooms.timer_service.Timers to act, and tells both sides the new state. Each socket
joins exactly one Socket.IO room, that of the engagement it authenticated for, and every
emit names that room, so no timer event can reach another engagement.

Event names carry a `timer:` prefix on the wire; signaling/base.py finds their handlers
(`timer:agenda-set` → `on_timer_agenda_set`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rooms.call_log import CallLog
from rooms.clock import Clock
from rooms.models import Engagement
from rooms.session_service import Sessions
from rooms.timer import Action, Agenda, TimerState, to_wire
from rooms.timer_service import Timers
from signaling.acks import Ack, ok
from signaling.base import Namespace, Peer, Rate
from signaling.identity import Authenticator
from signaling.protocol import TIMER_NAMESPACE, TimerEvent
from signaling.timer_schemas import (
    Ping,
    parse_agenda_get,
    parse_agenda_set,
    parse_join,
    parse_timer_command,
)

logger = logging.getLogger(__name__)

# 5 per second sustained: a few clock-sync pings and the odd click.
RATE = Rate(5.0, 60.0, "Too many messages; slow down.")


@dataclass(slots=True)
class TimerMember(Peer):
    @property
    def room(self) -> str:
        return f"timer:{self.identity.engagement.id}"


class TimerNamespace(Namespace[TimerMember]):
    requires_join = frozenset({TimerEvent.COMMAND})
    not_joined = "Join the timer first."

    def __init__(
        self,
        authenticator: Authenticator,
        timers: Timers,
        calls: CallLog,
        sessions: Sessions,
        clock: Clock,
    ) -> None:
        super().__init__(TIMER_NAMESPACE, TimerEvent, TimerMember, authenticator, clock, RATE)
        self._timers = timers
        self._calls = calls
        self._sessions = sessions

    async def on_timer_join(self, member: TimerMember, payload: object) -> Ack:
        parse_join(payload)
        engagement = member.identity.engagement
        minutes = await self._sessions.planned_minutes(engagement)
        state = await self._timers.state(engagement.id, minutes)
        agenda = await self._timers.agenda(engagement.id)
        await self.enter_room(member.sid, member.room)
        member.joined = True
        now = self._clock()
        return ok(
            role=member.identity.role.value,
            state=to_wire(state, now),
            agenda=agenda.to_wire(),
            planned_minutes=minutes,
            server_time=now,
        )

    async def on_timer_command(self, member: TimerMember, payload: object) -> Ack:
        command = parse_timer_command(payload)
        engagement = member.identity.engagement
        minutes = await self._sessions.planned_minutes(engagement)
        state = await self._timers.execute(engagement.id, member.identity.role, command, minutes)
        if command.action is Action.END:
            await self._log_session_end(engagement, state)
        wire = to_wire(state, self._clock())
        await self.emit(TimerEvent.STATE, {"state": wire}, room=member.room)
        logger.info(
            "timer %s", command.action.value, extra={"room": engagement.id, "sid": member.sid}
        )
        return ok(state=wire)

    async def on_timer_ping(self, member: TimerMember, payload: object) -> Ack:
        ping = Ping.parse(payload)
        return ok(t0=ping.t0, server_time=self._clock())

    async def on_timer_agenda(self, member: TimerMember, payload: object) -> Ack:
        parse_agenda_get(payload)
        engagement_id = member.identity.engagement.id
        stored = await self._timers.stored_agenda(engagement_id)
        agenda = stored or await self._timers.agenda(engagement_id)
        return ok(agenda=agenda.to_wire(), default=stored is None)

    async def on_timer_agenda_set(self, member: TimerMember, payload: object) -> Ack:
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
        leave finds no open call and changes nothing (CallLog.close); a session the store
        could not update is caught up when the next call closes."""
        if state.ended_at is not None:
            await self._calls.session_ended(engagement, state.ended_at)
