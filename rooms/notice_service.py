"""Which notices are due, and whether a claimed one still has its occasion.

Planning runs in every process (planning an occasion twice changes nothing); sending goes
through the store's claim, so each notice is handled by one process. A notice due while
every process was down is still in the queue, or is planned when one comes back, and goes
out once. Reminders go 24 h and 1 h before each planned session. The nudge goes when the
client has not been seen for two of their cadence's intervals (two weeks for weekly, four
for every two weeks, two months for monthly); a visit afterwards plans the next one from
the new last visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rooms import validation
from rooms.clock import Clock
from rooms.models import Cadence, Engagement, InviteState, Role
from rooms.notices import Contact, LogEntry, Notice, NoticeKind, Outcome
from rooms.sessions import SessionRecord, SessionStatus
from rooms.store.protocol import (
    AccountStore,
    BoardStore,
    EngagementStore,
    LifecycleStore,
    MessageStore,
    NoticeStore,
    SessionStore,
)
from rooms.tokens import new_token

INTERVAL_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}
MISSED_INTERVALS = 2
REMINDERS = ((NoticeKind.REMINDER_24H, 86400.0), (NoticeKind.REMINDER_1H, 3600.0))
QUIET_SECONDS = 900.0  # a new-message notice waits this long after the first unread one
LEASE = 120.0  # a claimer that has not finished by then is taken to be gone
BATCH = 50


class NoticeBacking(
    NoticeStore,
    SessionStore,
    BoardStore,
    LifecycleStore,
    AccountStore,
    EngagementStore,
    MessageStore,
    Protocol,
):
    """The store areas notices read."""


@dataclass(frozen=True, slots=True)
class Occasion:
    """A claimed notice whose reason still holds, with what its e-mail needs."""

    notice: Notice
    engagement: Engagement
    contact: Contact | None
    session: SessionRecord | None


def nudge_due(engagement: Engagement, last_visit: float) -> float:
    return last_visit + MISSED_INTERVALS * INTERVAL_DAYS[engagement.cadence] * 86400.0


class Notices:
    def __init__(self, store: NoticeBacking, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def last_visit(self, engagement: Engagement) -> float:
        seen = (await self._store.board_activity(engagement.id)).get(Role.CLIENT)
        return seen if seen is not None else engagement.created_at

    async def plan(self, engagement: Engagement) -> None:
        if engagement.invite_state is not InviteState.ACTIVE:
            return
        if await self._store.closed_at(engagement.id) is not None:
            return
        now = self._clock()
        for session in await self._store.sessions_of(engagement.id):
            start = session.planned_start
            if session.status is not SessionStatus.PLANNED or start is None or start <= now:
                continue
            for kind, before in REMINDERS:
                key = f"{kind.value}:{session.id}:{int(start)}"
                await self._store.notice_plan(
                    Notice(engagement.id, key, kind, start - before, session.id)
                )
        await self._plan_message(engagement)
        last = await self.last_visit(engagement)
        due = nudge_due(engagement, last)
        await self._store.notice_plan(
            Notice(engagement.id, f"nudge:{last!r}", NoticeKind.NUDGE, due)
        )

    async def _plan_message(self, engagement: Engagement) -> None:
        """One notice for every run of the coach's messages the client has not read: the
        key is the client's read mark, so more messages batch into it, and reading them
        ends the run."""
        read = (await self._store.message_state(engagement.id)).read_client
        for message in await self._store.messages_after(engagement.id, read, 200):
            if message.sender is Role.COACH:
                key = f"message:{read}"
                due = message.sent_at + QUIET_SECONDS
                await self._store.notice_plan(Notice(engagement.id, key, NoticeKind.MESSAGE, due))
                return

    async def plan_all(self) -> None:
        for coach in await self._store.coaches():
            for engagement in await self._store.engagements_of(coach.id):
                await self.plan(engagement)

    async def claim(self) -> list[Notice]:
        return await self._store.notice_claim(self._clock(), LEASE, BATCH)

    async def occasion(self, notice: Notice) -> Occasion | None:
        """None when the reason is gone: the session moved, was held or cancelled, the
        client came back, the program closed or the engagement was erased."""
        engagement = await self._store.engagement(notice.engagement_id)
        if engagement is None or engagement.invite_state is not InviteState.ACTIVE:
            return None
        if await self._store.closed_at(engagement.id) is not None:
            return None
        now = self._clock()
        session = None
        if notice.kind is NoticeKind.NUDGE:
            if notice.key != f"nudge:{await self.last_visit(engagement)!r}":
                return None
        elif notice.kind is NoticeKind.MESSAGE:
            state = await self._store.message_state(engagement.id)
            if notice.key != f"message:{state.read_client}":
                return None  # read meanwhile
        else:
            session = await self._store.session_get(engagement.id, notice.session_id)
            start = session.planned_start if session is not None else None
            if session is None or session.status is not SessionStatus.PLANNED or start is None:
                return None
            if not notice.key.endswith(f":{int(start)}") or start <= now:
                return None
            if notice.kind is NoticeKind.REMINDER_24H and start - now < 3600.0:
                return None  # the 1-hour reminder is the one that is due
        contact = await self._store.notice_contact(engagement.id)
        return Occasion(notice, engagement, contact, session)

    async def finish(self, notice: Notice, outcome: Outcome | None) -> None:
        entry = LogEntry(self._clock(), notice.kind, outcome) if outcome is not None else None
        await self._store.notice_done(notice, entry)

    async def log(self, engagement: Engagement) -> list[LogEntry]:
        return await self._store.notice_log(engagement.id)

    async def in_app(self, engagement: Engagement, days: float = 7.0) -> list[LogEntry]:
        """What the client's page shows when no e-mail could carry it: recent notices
        that were not e-mailed, newest first."""
        since = self._clock() - days * 86400.0
        shown = [e for e in await self.log(engagement) if e.outcome is not Outcome.SENT]
        return [e for e in shown if e.at >= since][:3]

    async def contact(self, engagement: Engagement) -> Contact | None:
        return await self._store.notice_contact(engagement.id)

    async def set_address(self, engagement: Engagement, raw: object) -> str:
        """The coach enters (or clears) the client's address; returns it as stored."""
        address = "" if raw in (None, "") else validation.email(raw, "client_email")
        await self._store.notice_set_contact(engagement.id, address, new_token())
        return address

    async def opt_out(self, token: str) -> bool:
        if not 20 <= len(token) <= 100:
            return False
        return await self._store.notice_opt_out(token) is not None
