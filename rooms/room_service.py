"""The room's rules: two seats, the reconnect grace, presence and the call log.

The /room namespace (signaling/room.py) only parses, calls these methods, emits what they
return to the engagement's room and acks. What the seat rules are is in rooms/seats.py;
the store applies them atomically; this service decides when they apply:

- `join` claims a seat (rooms.seats.claim), ends a pending grace, voids negotiation in
  flight and opens the call log once both seats are taken (the seats, not this process,
  say whether it is practice: the other person may be on another process); the claim,
  the call and the seats for presence are one store step (SeatStore.join_seat: one
  transaction, one Redis script), so a join is one round trip;
- `leave` gives the seat up at once; `dropped` keeps it as "reconnecting" for the grace
  period and gives it up when that ends, telling the namespace through `notify`;
- giving a seat up closes the open call (rooms/call_log.py).

The grace timer is an asyncio task in this process: the process that held the socket is
the one that ends its seat. If that process dies, the seat goes with it (`clear_seats` at
start-up, and the Redis backend's expiry).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rooms.admission import Asked, SeatKeys, who_decides
from rooms.call_log import CallLog
from rooms.errors import TandemError
from rooms.models import Engagement, Role
from rooms.negotiation import Negotiation
from rooms.seats import SeatHolder, SeatState, claim
from rooms.store.protocol import SeatStore

logger = logging.getLogger(__name__)

Presence = dict[str, object]
Notify = Callable[[Presence], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Joined:
    presence: Presence
    # The connection this join took the seat from (a reload, a second tab, a takeover);
    # the namespace tells it and closes it.
    displaced: SeatHolder | None


class RoomService:
    def __init__(self, seats: SeatStore, calls: CallLog, reconnect_grace: float) -> None:
        self._seats = seats
        self._calls = calls
        self._grace_seconds = reconnect_grace
        self._negotiations: dict[str, Negotiation] = {}
        self._grace: dict[tuple[str, Role], asyncio.Task[None]] = {}
        self._keys: SeatKeys | None = None

    async def keys(self) -> SeatKeys:
        """Seat tokens and grants, under the store's key (the same on every process)."""
        if self._keys is None:
            self._keys = SeatKeys(await self._seats.seat_key())
        return self._keys

    async def decider(self, engagement_id: str) -> tuple[Asked, str] | None:
        """Who is asked before another device takes the client's seat, and that seat's
        socket; None when nobody can answer now (rooms/admission.py)."""
        seats = await self._seats.seats(engagement_id)
        asked = who_decides(seats)
        return None if asked is None else (asked, seats[Role(asked.value)].sid)

    async def join(
        self, engagement: Engagement, role: Role, holder: SeatHolder, *, takeover: bool
    ) -> Joined:
        """Raises RoomFull (another device holds the seat) having changed nothing."""
        engagement_id = engagement.id
        claimed = await self._seats.join_seat(
            engagement_id, role, holder, takeover=takeover, now=self._calls.now()
        )
        self._cancel_grace(engagement_id, role)
        self._negotiations.setdefault(engagement_id, Negotiation()).reset()
        previous = claimed.previous
        displaced = previous if previous is not None and previous.sid != holder.sid else None
        return Joined(_presence(claimed.seats), displaced)

    async def check_claim(
        self, engagement: Engagement, role: Role, holder: SeatHolder, *, takeover: bool
    ) -> None:
        """Raises what `join` would raise for a seat held by another device (RoomFull),
        writing nothing: a join over its seat-taking budget is told the room is full, as
        any other join would be, and is throttled only when it would take the seat."""
        seats = await self._seats.seats(engagement.id)
        claim(seats.get(role), holder, takeover=takeover)

    async def leave(self, engagement: Engagement, role: Role, sid: str) -> Presence | None:
        """The new presence, or None when `sid` no longer held the seat (nothing changed)."""
        if await self._seats.release_seat(engagement.id, role, sid):
            return await self._released(engagement)
        return None

    async def dropped(
        self, engagement: Engagement, role: Role, sid: str, notify: Notify
    ) -> Presence | None:
        """The connection went away without leaving: the seat waits for it as
        "reconnecting"; after the grace it is given up and `notify` gets the presence."""
        key = (engagement.id, role)
        if not await self._seats.set_seat_state(*key, sid, SeatState.RECONNECTING):
            return None
        self._cancel_grace(*key)
        self._grace[key] = asyncio.create_task(self._expire(engagement, role, sid, notify))
        return await self.presence(engagement.id)

    def check_description(self, engagement_id: str, role: Role, kind: str) -> None:
        """Raises Conflict for an answer with no offer outstanding (rooms/negotiation.py)."""
        self._negotiations.setdefault(engagement_id, Negotiation()).on_description(role, kind)

    async def presence(self, engagement_id: str) -> Presence:
        """{"coach": "here", "client": "away", "sessions": {"coach": "<page session>"}}"""
        return _presence(await self._seats.seats(engagement_id))

    async def close(self) -> None:
        """Shutdown: stop grace timers; the seats go with the process (clear_seats)."""
        for task in self._grace.values():
            task.cancel()
        await asyncio.gather(*self._grace.values(), return_exceptions=True)
        self._grace.clear()

    async def _expire(self, engagement: Engagement, role: Role, sid: str, notify: Notify) -> None:
        try:
            await asyncio.sleep(self._grace_seconds)
        except asyncio.CancelledError:
            return
        self._grace.pop((engagement.id, role), None)
        try:
            presence = await self.leave(engagement, role, sid)
            if presence is not None:
                await notify(presence)
        except TandemError as error:
            logger.warning("seat not released after grace: %s", error.code, extra={"sid": sid})

    async def _released(self, engagement: Engagement) -> Presence:
        await self._calls.close(engagement)
        presence = await self.presence(engagement.id)
        if presence["coach"] == "away" and presence["client"] == "away":
            self._negotiations.pop(engagement.id, None)
        return presence

    def _cancel_grace(self, engagement_id: str, role: Role) -> None:
        task = self._grace.pop((engagement_id, role), None)
        if task is not None:
            task.cancel()


def _presence(seats: dict[Role, SeatHolder]) -> Presence:
    presence: Presence = {
        role.value: seats[role].state.value if role in seats else "away" for role in Role
    }
    presence["sessions"] = {role.value: holder.session for role, holder in seats.items()}
    return presence
