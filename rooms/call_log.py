"""The one place a call record opens and closes (rooms/calls.py says what a call is).

A call opens when both seats are taken, inside the join's seat claim (SeatStore.join_seat,
at `now()` here, so one join is one store round trip); the room service closes it when a
seat is given up for good; the timer closes it when the coach ends the session. What follows a
call's end hooks into `close` here, once: today the session record (rooms/session_service.py
decides whether the session was held).
"""

from __future__ import annotations

import logging

from rooms.calls import CallRecord
from rooms.clock import Clock
from rooms.errors import TandemError
from rooms.models import Engagement
from rooms.session_service import Sessions
from rooms.store.protocol import CallStore

logger = logging.getLogger(__name__)


class CallLog:
    def __init__(self, store: CallStore, clock: Clock, sessions: Sessions) -> None:
        self._store = store
        self._clock = clock
        self._sessions = sessions

    def now(self) -> float:
        """When a call opened now starts: the room service's join opens it in the same
        store step as the seat claim (SeatStore.join_seat), at this time."""
        return self._clock()

    async def close(self, engagement: Engagement, at: float | None = None) -> CallRecord | None:
        """The closed record, or None when no call was open: closing twice (the coach
        ended the timer, then left) changes nothing the second time."""
        when = self._clock() if at is None else at
        call = await self._store.close_call(engagement.id, when)
        if call is not None:
            await self._count(engagement, call)
        return call

    async def session_ended(self, engagement: Engagement, at: float) -> None:
        """The coach ended the timer: the call ends with it, and so does the sitting."""
        await self.close(engagement, at)
        try:
            await self._sessions.timer_ended(engagement, at)
        except TandemError as error:
            logger.warning("session not updated: %s", error.code, extra={"room": engagement.id})

    async def _count(self, engagement: Engagement, call: CallRecord) -> None:
        """The call is logged either way; a session the store could not update now is
        caught up when the engagement's next call closes (Sessions.call_closed)."""
        try:
            await self._sessions.call_closed(engagement, call)
        except TandemError as error:
            logger.warning(
                "session not updated after a call: %s", error.code, extra={"room": engagement.id}
            )
