"""The /room namespace: two seats, presence, and WebRTC signalling between them.

The rules (who gets a seat, the reconnect grace, presence, the call log) are
rooms/room_service.py's; this namespace parses, calls it, emits and acks.

Routing uses one Socket.IO room per engagement holding only the seated sockets, so relays
work unchanged when the Redis manager spreads sockets over processes. A message is only
ever emitted to that room, skipping the sender: nobody else can receive it.

When the other seat's socket is on this process too (the proxy routes both people of a
room to one process, docs/deploy.md), nobody on another process is in the room, so a
relay is delivered here and not published to Redis; only a room split over two processes
(after a failover or a restart) pays for pub/sub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import socketio

from rooms.admission import (
    Asked,
    ReplacedReason,
    browser_words,
    may_take_over,
    new_request,
    replaced_reason,
)
from rooms.clock import Clock
from rooms.errors import AwaitingAdmission, RoomFull, TandemError, Throttled
from rooms.models import Role
from rooms.ratelimit import TokenBucket
from rooms.room_service import Notify, Presence, RoomService
from rooms.seats import SeatHolder, SeatState
from rooms.session_service import Sessions
from rooms.turn import IceConfig, ice_servers
from signaling.acks import Ack, ok
from signaling.base import Namespace, Peer, Rate
from signaling.identity import Authenticator, Identity
from signaling.protocol import ROOM_NAMESPACE, Event
from signaling.schemas import (
    AdmitDecision,
    CallConnected,
    CallReading,
    Description,
    JoinRequest,
    LeaveRequest,
    MediaState,
    parse_signal,
)

logger = logging.getLogger(__name__)

# 50 messages per second sustained; a burst of trickled candidates after an offer.
RATE = Rate(50.0, 200.0, "Too many messages; slow down.")
# A join is a store write and a presence event to the peer: 5 in a row, then 1 a second.
JOIN_RATE = Rate(1.0, 5.0, "Too many messages; slow down.")


@dataclass(slots=True)
class Member(Peer):
    session: str = ""
    leaving: bool = False
    joins: TokenBucket | None = None
    # The request to take the client's seat this socket is waiting on, and who was asked.
    request: str | None = None
    asked: Asked | None = None
    decider: str | None = None  # the socket asked, told when the request goes away


def admission_room(request: str) -> str:
    """The Socket.IO room of one waiting socket: the answer reaches it on any process."""
    return f"admission:{request}"


class RoomNamespace(Namespace[Member]):
    requires_join = frozenset(
        {Event.SIGNAL, Event.MEDIA, Event.CALL_REPORT, Event.CONNECTED, Event.ADMIT}
    )
    inline = frozenset({Event.SIGNAL, Event.MEDIA, Event.CONNECTED})
    not_joined = "Join the room first."

    def __init__(
        self,
        authenticator: Authenticator,
        rooms: RoomService,
        sessions: Sessions,
        clock: Clock,
        ice: IceConfig,
        *,
        on_call_set_up: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        super().__init__(ROOM_NAMESPACE, Event, Member, authenticator, clock, RATE)
        self._rooms = rooms
        self._sessions = sessions
        # Told each call set-up time a page reports (server/metrics.py's histogram).
        self._on_call_set_up = on_call_set_up
        self._ice = ice

    async def on_join(self, member: Member, payload: object) -> Ack:
        request = JoinRequest.parse(payload)
        sid, identity = member.sid, member.identity
        engagement, role = identity.engagement, identity.role
        keys = await self._rooms.keys()
        granted = keys.granted(engagement.id, member.request, request.grant)
        known = keys.knows(engagement.id, role, request.device, request.token)
        takeover = may_take_over(role, asked=request.takeover, known=known, granted=granted)
        holder = SeatHolder(
            sid, request.device, SeatState.HERE, self._clock(), request.session, request.practice
        )
        if member.joins is None:  # made on the first join: most sockets join once
            member.joins = TokenBucket(JOIN_RATE.per_second, JOIN_RATE.burst, self._clock)
        if not member.joins.allow():
            # The budget is for taking the seat: a page that lost a race for a full room
            # hears room-full whatever its budget, and throttled only if it would win.
            await self._rooms.check_claim(engagement, role, holder, takeover=takeover)
            raise Throttled(JOIN_RATE.message, retry_after=1.0)
        try:
            joined = await self._rooms.join(engagement, role, holder, takeover=takeover)
        except RoomFull:
            if role is Role.CLIENT and request.takeover and not takeover:
                await self._ask(member)  # raises: wait for the answer (or nobody to ask)
            self._refund(member)
            raise
        except TandemError:
            # Refused (store away): nothing was written and the peer heard nothing, so
            # only the socket's own budget pays for it (docs/protocol.md).
            self._refund(member)
            raise
        member.joined, member.session = True, request.session
        await self.enter_room(sid, identity.room)
        if joined.displaced is not None:
            reason = replaced_reason(joined.displaced, holder, granted, member.asked)
            await self._replace(joined.displaced.sid, identity, reason)
        await self._forget_request(member)
        logger.info("seat taken", extra={"room": engagement.id, "role": role, "sid": sid})
        # Broadcast last: the peer answers it with an offer at once, and that offer must
        # not overtake this ack (the page learns the peer's session from the ack).
        await self.emit(
            Event.PRESENCE,
            joined.presence,
            room=identity.room,
            skip_sid=sid,
            ignore_queue=self._peer_here(member),
        )
        return ok(
            role=role.value,
            polite=role is Role.CLIENT,
            presence=joined.presence,
            iceServers=self._ice_servers(identity),
            iceTransportPolicy=self._ice.transport_policy,
            token=keys.token(engagement.id, role, request.device),
        )

    async def on_admit(self, member: Member, payload: object) -> Ack:
        """The answer of whoever was sent an `admission-request`; it reaches the waiting
        socket on whichever process through its request's room. A grant is bound to this
        socket's engagement, so no other engagement's request can use it."""
        decision = AdmitDecision.parse(payload)
        answer: dict[str, object] = {"request": decision.request, "admitted": decision.admit}
        if decision.admit:
            keys = await self._rooms.keys()
            answer["grant"] = keys.grant(member.identity.engagement.id, decision.request)
        await self.emit(Event.ADMISSION, answer, room=admission_room(decision.request))
        return ok()

    async def _ask(self, member: Member) -> None:
        """Another device asked for the client's seat: ask the coach, or the seated person,
        and tell the asking page to wait. Raises AwaitingAdmission, or RoomFull when
        nobody can answer now."""
        identity = member.identity
        decider = await self._rooms.decider(identity.engagement.id)
        if decider is None:
            self._refund(member)  # nothing was written and nobody was told
            raise RoomFull(
                "The person in this seat lost their connection a moment ago and may come "
                "back. Try again in a minute."
            )
        asked, decider_sid = decider
        await self._forget_request(member)
        member.request, member.asked, member.decider = new_request(), asked, decider_sid
        await self.enter_room(member.sid, admission_room(member.request))
        browser, system = browser_words(self._user_agent(member.sid))
        await self.emit(
            Event.ADMISSION_REQUEST,
            {"request": member.request, "browser": browser, "system": system, "at": self._clock()},
            to=decider_sid,
        )
        raise AwaitingAdmission(
            "Please wait until you are let in.", asked=asked.value, request=member.request
        )

    async def _forget_request(self, member: Member, *, gone: bool = False) -> None:
        """The waiting socket took the seat, asked again or went away: the one asked
        drops the question (`admission-withdrawn`)."""
        if member.request is not None:
            if not gone:
                await self.leave_room(member.sid, admission_room(member.request))
            if member.decider is not None:
                withdrawn = {"request": member.request}
                await self.emit(Event.ADMISSION_WITHDRAWN, withdrawn, to=member.decider)
        member.request = member.asked = member.decider = None

    def _refund(self, member: Member) -> None:
        if member.joins is not None:
            member.joins.refund()

    def _user_agent(self, sid: str) -> str:
        environ = self.server.get_environ(sid, namespace=self.namespace) or {}
        agent = environ.get("HTTP_USER_AGENT", "")
        return agent if isinstance(agent, str) else ""

    async def on_signal(self, member: Member, payload: object) -> Ack:
        signal = parse_signal(payload)
        identity = member.identity
        here = self._peer_here(member)
        if isinstance(signal.message, Description) and here:
            self._rooms.check_description(
                identity.engagement.id, identity.role, signal.message.type
            )
        await self.emit(
            Event.SIGNAL,
            {"from": identity.role.value, "session": member.session, **signal.to_wire()},
            room=identity.room,
            skip_sid=member.sid,
            ignore_queue=here,
        )
        return ok()

    async def on_media(self, member: Member, payload: object) -> Ack:
        state = MediaState.parse(payload)
        await self.emit(
            Event.PEER_MEDIA,
            {"role": member.identity.role.value, **state.to_wire()},
            room=member.identity.room,
            skip_sid=member.sid,
            ignore_queue=self._peer_here(member),
        )
        return ok()

    async def on_call_report(self, member: Member, payload: object) -> Ack:
        """The page's reading of the call under way (media path, quality) for the coach's
        connection history; the rule of what is kept is rooms.session_service's."""
        reading = CallReading.parse(payload)
        identity = member.identity
        counted = await self._sessions.report_call(
            identity.engagement, identity.role, reading.path, reading.quality
        )
        return ok(counted=counted)

    async def on_connected(self, member: Member, payload: object) -> Ack:
        self._on_call_set_up(CallConnected.parse(payload).setup_ms / 1000)
        return ok()

    async def on_leave(self, member: Member, payload: object) -> Ack:
        LeaveRequest.parse(payload)  # a malformed leave is refused and keeps the seat
        member.leaving = True
        if member.joined:
            await self._vacate(member)
        return ok()

    async def disconnected(self, member: Member, reason: str) -> None:
        await self._forget_request(member, gone=True)
        if not member.joined or member.leaving:
            return
        if reason == socketio.AsyncServer.reason.CLIENT_DISCONNECT:
            await self._vacate(member)
            return
        identity = member.identity
        presence = await self._rooms.dropped(
            identity.engagement, identity.role, member.sid, self._notifier(identity)
        )
        if presence is not None:
            await self.emit(Event.PRESENCE, presence, room=identity.room)

    def seats_here(self) -> list[tuple[str, Role]]:
        """(engagement id, role) of each seat this process's sockets hold, for metrics."""
        return [
            (m.identity.engagement.id, m.identity.role) for m in self.sockets.values() if m.joined
        ]

    def _peer_here(self, member: Member) -> bool:
        """Whether the other seat's socket is on this process: then it and the sender are
        the whole room (it holds only seated sockets, one per seat), and a relay need not
        leave the process. A takeover from another process does not fool it: that process
        publishes the old socket's leave before the presence the peer answers.

        Description order is also only checked then: with Redis the other side's offers
        pass through another process, which this one's negotiation never sees, and a
        correct answer must not be refused for that. Out-of-order descriptions still fail
        in the browser, just less clearly."""
        room = self.server.manager.rooms.get(self.namespace, {}).get(member.identity.room)
        if not room or len(room) < 2:
            return False
        role = member.identity.role
        for sid in room:
            other = self.sockets.get(sid)
            if other is not None and other.joined and other.identity.role is not role:
                return True
        return False

    async def _replace(self, old_sid: str, identity: Identity, reason: ReplacedReason) -> None:
        old = self.sockets.get(old_sid)
        if old is not None:
            old.joined = False
        await self.emit(
            Event.REPLACED,
            {
                "message": "You joined from another window or device; this one was closed.",
                "reason": reason.value,
            },
            to=old_sid,
        )
        await self.leave_room(old_sid, identity.room)
        await self.disconnect(old_sid)

    async def _vacate(self, member: Member) -> None:
        identity = member.identity
        member.joined = False
        await self.leave_room(member.sid, identity.room)
        presence = await self._rooms.leave(identity.engagement, identity.role, member.sid)
        if presence is not None:
            await self.emit(Event.PRESENCE, presence, room=identity.room)

    def _notifier(self, identity: Identity) -> Notify:
        async def notify(presence: Presence) -> None:
            await self.emit(Event.PRESENCE, presence, room=identity.room)

        return notify

    def _ice_servers(self, identity: Identity) -> list[dict[str, object]]:
        expires = self._clock() + identity.engagement.session_minutes * 60
        user = f"{identity.engagement.id}-{identity.role.value}"
        return ice_servers(self._ice, user, expires)
