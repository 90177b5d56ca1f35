"""Closing a program and erasing an engagement, by hand or when its retention runs out.

Erasure is claimed first (LifecycleStore.claim_erasure), so with several processes on one
Redis exactly one of them erases an engagement, whether a coach pressed "erase now" while
the retention sweep of another process found it due.
"""

from __future__ import annotations

import asyncio
import logging

from rooms.clock import Clock
from rooms.errors import Forbidden, TandemError
from rooms.lifecycle import (
    CLAIM_SECONDS,
    ErasureReason,
    ErasureRecord,
    erase_after,
    retention_cutoff,
)
from rooms.models import Engagement
from rooms.revocation import Revoke, RevokeReason, invite_credential, revoke_nothing
from rooms.store.protocol import Store
from rooms.tokens import new_id

logger = logging.getLogger(__name__)


class ProgramClosed(Forbidden):
    """Every edit of a closed program (board, private notes, agreement) is refused with
    this; its wire code is Forbidden's ("forbidden")."""


def refuse_if_closed(closed_at: float | None) -> None:
    if closed_at is not None:
        raise ProgramClosed("This program is closed; nothing in it can be changed any more.")


class Lifecycle:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        retention_days: int,
        node: str,
        revoke: Revoke = revoke_nothing,
    ) -> None:
        self._store = store
        self._revoke = revoke
        self._clock = clock
        self.retention_days = retention_days
        self._node = node

    async def closed_at(self, engagement: Engagement) -> float | None:
        return await self._store.closed_at(engagement.id)

    async def ensure_open(self, engagement: Engagement) -> None:
        refuse_if_closed(await self._store.closed_at(engagement.id))

    def erase_after(self, closed_at: float) -> float:
        return erase_after(closed_at, self.retention_days)

    async def close(self, engagement: Engagement) -> float:
        closed = await self._store.close_engagement(engagement.id, self._clock())
        logger.info("engagement %s closed", engagement.id)
        return closed

    async def erase(
        self, engagement: Engagement, reason: ErasureReason = ErasureReason.REQUEST
    ) -> ErasureRecord | None:
        """None when another process holds the claim (it is erasing right now)."""
        now = self._clock()
        if not await self._store.claim_erasure(engagement.id, self._node, now, CLAIM_SECONDS):
            return None
        # Locked out and read-only first: if the erasure is cut short, nobody can add to
        # what is left, and the retention sweep finishes it.
        await self._store.revoke_invite(engagement.id)
        await self._revoke(invite_credential(engagement.invite_token), RevokeReason.INVITE_REVOKED)
        await self._store.close_engagement(engagement.id, now)
        record = ErasureRecord(new_id(), now, reason, engagement.coach_id)
        await self._store.erase_engagement(engagement.id, record)
        logger.info("engagement %s erased (%s)", engagement.id, reason.value)
        return record

    async def sweep(self) -> int:
        """Erases every engagement whose retention ran out; returns how many it erased."""
        erased = 0
        cutoff = retention_cutoff(self._clock(), self.retention_days)
        for engagement_id in await self._store.closed_before(cutoff):
            engagement = await self._store.engagement(engagement_id)
            if engagement is None:
                continue
            if await self.erase(engagement, ErasureReason.RETENTION) is not None:
                erased += 1
        return erased

    async def run(self, interval: float) -> None:
        """The retention sweep, forever; a failed round (store down) waits for the next."""
        while True:
            try:
                await self.sweep()
            except TandemError as error:
                logger.warning("retention sweep failed: %s", error.message)
            except Exception:  # a bug must not stop erasure for good; it is logged once a round
                logger.exception("retention sweep failed")
            await asyncio.sleep(interval)
