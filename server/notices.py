"""The notice sender: plans what is due and sends what it claims, in one background task.

Every process runs it (a cleanup_ctx in create_app). A round plans only the engagements
this process wrote to since the last one (server/store_changes.py), with a full walk at
start-up and every TANDEM_NOTICE_SWEEP_SECONDS. The store's claim hands each due notice to
one process, so with Redis each e-mail goes out once, and a notice that fell due
while every process was down goes out once when the first comes back. Without SMTP the
same notices are logged as shown in the app. `tick()` is one round; tests call it with an
injected clock instead of waiting for the interval.
"""

from __future__ import annotations

import asyncio
import logging

import aiosmtplib

from rooms.clock import Clock
from rooms.errors import TandemError
from rooms.notice_service import Notices, Occasion
from rooms.notices import Notice, Outcome
from rooms.store import Store
from server.mail import Mailer
from web.i18n import Catalogs
from web.notice_mail import MailContext, compose

logger = logging.getLogger(__name__)


class NoticeSender:
    def __init__(
        self,
        notices: Notices,
        store: Store,
        mailer: Mailer | None,
        *,
        catalogs: Catalogs,
        base_url: str,
        clock: Clock,
    ) -> None:
        self._notices = notices
        self._store = store
        self._mailer = mailer
        self._catalogs = catalogs
        self._base_url = base_url
        self._clock = clock

    async def run(self, interval: float, sweep: float) -> None:
        """A round every `interval` seconds plans what this process changed and sends what
        is due; every `sweep` seconds (and first of all) it plans every engagement."""
        swept_at: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                if swept_at is None or loop.time() - swept_at >= sweep:
                    await self._notices.plan_all()
                    swept_at = loop.time()
                await self.tick()
            except TandemError as error:  # the store is away: try again next round
                logger.warning("notices not sent this round: %s", error.code)
            except Exception:  # a bug must not stop reminders for good; logged once a round
                logger.exception("notice round failed")
            await asyncio.sleep(interval)

    async def tick(self) -> int:
        """Plans the engagements changed here since the last round, then handles every
        notice this process claimed; returns how many. Idle, it is one claim query."""
        await self._notices.plan_marked()
        claimed = await self._notices.claim()
        for notice in claimed:
            await self._handle(notice)
        return len(claimed)

    async def _handle(self, notice: Notice) -> None:
        occasion = await self._notices.occasion(notice)
        if occasion is None or (self._mailer is None and notice.kind.to_coach):
            # Without e-mail the coach's own pages (dashboard, agenda) are the notice.
            await self._notices.finish(notice, None)
            return
        await self._notices.finish(notice, await self._deliver(occasion))

    async def _deliver(self, occasion: Occasion) -> Outcome:
        contact = occasion.contact
        if self._mailer is None:
            return Outcome.IN_APP
        if contact is None or not contact.email:
            return Outcome.NO_ADDRESS
        if contact.opted_out:
            return Outcome.OPTED_OUT
        local = await self._notices.zone_of(occasion.engagement)
        context = MailContext(self._base_url, self._catalogs, local, self._clock())
        try:
            await self._mailer.send(compose(occasion, context))
        except (aiosmtplib.SMTPException, OSError) as error:
            logger.warning(
                "notice not sent: %s",
                type(error).__name__,
                extra={"room": occasion.engagement.id},
            )
            return Outcome.FAILED
        logger.info("notice sent", extra={"room": occasion.engagement.id})
        return Outcome.SENT
