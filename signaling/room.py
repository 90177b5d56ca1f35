"""The /room namespace: two seats, presence, and WebRTC signalling between them.

Routing uses one Socket.IO room per engagement holding only the seated sockets, so relays
work unchanged when the Redis manager spreads sockets over processes. A message is only
ever emitted to that room, skipping the sender: nobody else can receive it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from rooms.calls import CallKind, CallRecord
from rooms.clock import Clock
from rooms.errors import NotSeated, TandemError, Throttled
from rooms.models import Role
from rooms.negotiation import Negotiation
from rooms.ratelimit import TokenBucket
from rooms.seats import SeatHolder, SeatState
from rooms.session_service import Sessions
from rooms.store import Store
from rooms.turn import IceConfig, ice_servers
from signaling.acks import Ack, acked, ok
from signaling.identity import Authenticator, Identity
from signaling.protocol import ROOM_NAMESPACE, Event
from signaling.schemas import (
    CallConnected,
    CallReading,
    Description,
    JoinRequest,
    MediaState,
    parse_signal,
)

logger = logging.getLogger(__name__)

SIGNAL_RATE = 50.0  # messages per second, sustained
SIGNAL_BURST = 200.0  # a burst of trickled candidates after an offer


@dataclass
class Member:
    identity: Identity
    bucket: TokenBucket
    seated: bool = False
    session: str = ""
    practice: bool = False
    leaving: bool = False


@dataclass
class RoomPolicy:
    ice: IceConfig = field(default_factory=IceConfig)
    reconnect_grace: float = 45.0
    # Told each call set-up time a page reports (server/metrics.py's histogram).
    on_call_set_up: Callable[[float], None] = lambda seconds: None


class RoomNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self,
        authenticator: Authenticator,
        store: Store,
        clock: Clock,
        policy: RoomPolicy,
        sessions: Sessions,
    ) -> None:
        super().__init__(ROOM_NAMESPACE)
        self._auth = authenticator
        self._store = store
        self._sessions = sessions
        self._clock = clock
        self._policy = policy
        self._members: dict[str, Member] = {}
        self._negotiations: dict[str, Negotiation] = {}
        self._grace: dict[tuple[str, Role], asyncio.Task[None]] = {}

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        identity = await self._auth.admit(environ, auth)
        bucket = TokenBucket(SIGNAL_RATE, SIGNAL_BURST, self._clock)
        self._members[sid] = Member(identity, bucket)

    @acked
    async def on_join(self, sid: str, payload: object = None) -> Ack:
        member = self._member(sid)
        request = JoinRequest.parse(payload)
        identity = member.identity
        holder = SeatHolder(
            sid, request.device, SeatState.HERE, self._clock(), request.session, request.practice
        )
        engagement_id = identity.engagement.id
        previous = await self._store.claim_seat(
            engagement_id, identity.role, holder, takeover=request.takeover
        )
        self._cancel_grace(engagement_id, identity.role)
        member.seated, member.practice = True, request.practice
        member.session = request.session
        await self.enter_room(sid, identity.room)
        if previous is not None and previous.sid != sid:
            await self._replace(previous.sid, identity)
        self._negotiations.setdefault(engagement_id, Negotiation()).reset()
        await self._maybe_open_call(identity)
        presence = await self._presence(engagement_id)
        logger.info("seat taken", extra={"room": engagement_id, "role": identity.role, "sid": sid})
        # Broadcast last: the peer answers it with an offer at once, and that offer must
        # not overtake this ack (the page learns the peer's session from the ack).
        await self.emit(Event.PRESENCE, presence, room=identity.room, skip_sid=sid)
        return ok(
            role=identity.role.value,
            polite=identity.role is Role.CLIENT,
            presence=presence,
            iceServers=self._ice_servers(identity),
            iceTransportPolicy=self._policy.ice.transport_policy,
        )

    @acked
    async def on_signal(self, sid: str, payload: object = None) -> Ack:
        member = self._seated(sid)
        signal = parse_signal(payload)
        if isinstance(signal.message, Description) and self._peer_is_here(member):
            negotiation = self._negotiations.setdefault(
                member.identity.engagement.id, Negotiation()
            )
            negotiation.on_description(member.identity.role, signal.message.type)
        await self.emit(
            Event.SIGNAL,
            {"from": member.identity.role.value, "session": member.session, **signal.to_wire()},
            room=member.identity.room,
            skip_sid=sid,
        )
        return ok()

    @acked
    async def on_media(self, sid: str, payload: object = None) -> Ack:
        member = self._seated(sid)
        state = MediaState.parse(payload)
        await self.emit(
            Event.PEER_MEDIA,
            {"role": member.identity.role.value, **state.to_wire()},
            room=member.identity.room,
            skip_sid=sid,
        )
        return ok()

    @acked
    async def on_call_report(self, sid: str, payload: object = None) -> Ack:
        """The page's reading of the call under way (media path, quality) for the coach's
        connection history; the rule of what is kept is rooms.session_service's."""
        member = self._seated(sid)
        reading = CallReading.parse(payload)
        identity = member.identity
        counted = await self._sessions.report_call(
            identity.engagement, identity.role, reading.path, reading.quality
        )
        return ok(counted=counted)

    @acked
    async def on_connected(self, sid: str, payload: object = None) -> Ack:
        self._seated(sid)
        self._policy.on_call_set_up(CallConnected.parse(payload).setup_ms / 1000)
        return ok()

    @acked
    async def on_leave(self, sid: str, payload: object = None) -> Ack:
        member = self._member(sid)
        member.leaving = True
        if member.seated:
            await self._vacate(sid, member)
        return ok()

    async def on_disconnect(self, sid: str, reason: str = "") -> None:
        member = self._members.pop(sid, None)
        if member is None or not member.seated or member.leaving:
            return
        try:
            await self._dropped(sid, member, reason)
        except TandemError as error:  # e.g. Redis is down: the seat expires with its process
            logger.warning("seat not updated after disconnect: %s", error.code, extra={"sid": sid})

    async def _dropped(self, sid: str, member: Member, reason: str) -> None:
        identity = member.identity
        if reason == socketio.AsyncServer.reason.CLIENT_DISCONNECT:
            await self._vacate(sid, member)
            return
        still_holds = await self._store.set_seat_state(
            identity.engagement.id, identity.role, sid, SeatState.RECONNECTING
        )
        if still_holds:
            await self._broadcast_presence(identity)
            key = (identity.engagement.id, identity.role)
            self._grace[key] = asyncio.create_task(self._expire(sid, member))

    async def close(self) -> None:
        """Shutdown: stop grace timers; the sockets themselves close with the server."""
        for task in self._grace.values():
            task.cancel()
        await asyncio.gather(*self._grace.values(), return_exceptions=True)
        self._grace.clear()

    def seats_here(self) -> list[tuple[str, Role]]:
        """(engagement id, role) of each seat this process's sockets hold, for metrics."""
        return [
            (m.identity.engagement.id, m.identity.role) for m in self._members.values() if m.seated
        ]

    def _peer_is_here(self, member: Member) -> bool:
        """Whether the other seat's socket is on this process. Description order is only
        checked then: with Redis the other side's offers pass through another process,
        which this one's Negotiation never sees, and a correct answer must not be refused
        for that. Out-of-order descriptions still fail in the browser, just less clearly."""
        engagement_id, role = member.identity.engagement.id, member.identity.role
        return any(
            m.seated and m.identity.engagement.id == engagement_id and m.identity.role is not role
            for m in self._members.values()
        )

    def _member(self, sid: str) -> Member:
        member = self._members.get(sid)
        if member is None:
            raise NotSeated("This connection has ended. Reload the page.")
        return member

    def _seated(self, sid: str) -> Member:
        member = self._member(sid)
        if not member.seated:
            raise NotSeated("Join the room first.")
        if not member.bucket.allow():
            raise Throttled("Too many messages; slow down.", retry_after=1.0)
        return member

    async def _replace(self, old_sid: str, identity: Identity) -> None:
        old = self._members.get(old_sid)
        if old is not None:
            old.seated = False
        await self.emit(
            Event.REPLACED,
            {"message": "You joined from another window or device; this one was closed."},
            to=old_sid,
        )
        await self.leave_room(old_sid, identity.room)
        await self.disconnect(old_sid)

    async def _vacate(self, sid: str, member: Member) -> None:
        identity = member.identity
        member.seated = False
        await self.leave_room(sid, identity.room)
        if await self._store.release_seat(identity.engagement.id, identity.role, sid):
            await self._after_release(identity)

    async def _expire(self, sid: str, member: Member) -> None:
        identity = member.identity
        try:
            await asyncio.sleep(self._policy.reconnect_grace)
        except asyncio.CancelledError:
            return
        self._grace.pop((identity.engagement.id, identity.role), None)
        try:
            if await self._store.release_seat(identity.engagement.id, identity.role, sid):
                await self._after_release(identity)
        except TandemError as error:
            logger.warning("seat not released after grace: %s", error.code, extra={"sid": sid})

    async def _after_release(self, identity: Identity) -> None:
        engagement_id = identity.engagement.id
        call = await self._store.close_call(engagement_id, self._clock())
        if call is not None:
            await self._count_call(identity, call)
        await self._broadcast_presence(identity)
        if not await self._store.seats(engagement_id):
            self._negotiations.pop(engagement_id, None)

    async def _count_call(self, identity: Identity, call: CallRecord) -> None:
        """The call is logged either way; a session the store could not update now is
        caught up when the engagement's next call closes (Sessions.call_closed)."""
        try:
            await self._sessions.call_closed(identity.engagement, call)
        except TandemError as error:
            logger.warning(
                "session not updated after a call: %s",
                error.code,
                extra={"room": identity.engagement.id},
            )

    def _cancel_grace(self, engagement_id: str, role: Role) -> None:
        task = self._grace.pop((engagement_id, role), None)
        if task is not None:
            task.cancel()

    async def _maybe_open_call(self, identity: Identity) -> None:
        """The seats, not this process's members, say whether it is practice: the other
        person may be connected to another process."""
        seats = await self._store.seats(identity.engagement.id)
        if len(seats) == 2:
            practice = any(holder.practice for holder in seats.values())
            kind = CallKind.PRACTICE if practice else CallKind.REAL
            await self._store.open_call(identity.engagement.id, kind, self._clock())

    async def _presence(self, engagement_id: str) -> dict[str, object]:
        """{"coach": "here", "client": "away", "sessions": {"coach": "<page session>"}}"""
        seats = await self._store.seats(engagement_id)
        presence: dict[str, object] = {
            role.value: seats[role].state.value if role in seats else "away" for role in Role
        }
        presence["sessions"] = {role.value: holder.session for role, holder in seats.items()}
        return presence

    async def _broadcast_presence(self, identity: Identity) -> None:
        presence = await self._presence(identity.engagement.id)
        await self.emit(Event.PRESENCE, presence, room=identity.room)

    def _ice_servers(self, identity: Identity) -> list[dict[str, object]]:
        expires = self._clock() + identity.engagement.session_minutes * 60
        user = f"{identity.engagement.id}-{identity.role.value}"
        return ice_servers(self._policy.ice, user, expires)
