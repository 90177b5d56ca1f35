"""Which notices are due, and whether a claimed one still has its occasion.

Planning runs in every process (planning an occasion twice changes nothing); sending goes
through the store's claim, so each notice is handled by one process. A notice due while
every process was down is still in the queue, or is planned when one comes back, and goes
out once. Reminders go 24 h and 1 h before each planned session. The nudge goes when the
client has not been seen for two of their cadence's intervals (two weeks for weekly, four
for every two weeks, two months for monthly); a visit afterwards plans the next one from
the new last visit. Homework the client owns and has not ticked off gets one notice per
due day, at 09:00 (the coach's zone) the day before; homework due "at the next session" is
due on the day of the next planned session.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, Protocol

from rooms import validation
from rooms.board.schema import NEXT_SESSION
from rooms.clock import Clock
from rooms.models import Cadence, Coach, Engagement, InviteState, Role
from rooms.notices import Contact, LogEntry, Notice, NoticeKind, Outcome
from rooms.sessions import SessionRecord, SessionStatus
from rooms.sessions.schedule import zone
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
REMINDERS = (
    (NoticeKind.REMINDER_24H, 86400.0),
    (NoticeKind.REMINDER_1H, 3600.0),
    (NoticeKind.COACH_REMINDER_24H, 86400.0),
    (NoticeKind.COACH_REMINDER_1H, 3600.0),
)
DAY_BEFORE = (NoticeKind.REMINDER_24H, NoticeKind.COACH_REMINDER_24H)
# Who is told about whose unread messages: the client about the coach's, and back.
MESSAGE_NOTICES = ((NoticeKind.MESSAGE, Role.CLIENT), (NoticeKind.COACH_MESSAGE, Role.COACH))
QUIET_SECONDS = 900.0  # a new-message notice waits this long after the first unread one
LEASE = 120.0  # a claimer that has not finished by then is taken to be gone
BATCH = 50
HOMEWORK_HOUR = 9  # the homework notice goes at this hour, the day before the due day


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
    day: str = ""  # a homework notice's due day (YYYY-MM-DD)
    coach: Coach | None = None  # for a notice to the coach: their address and language


def nudge_due(engagement: Engagement, last_visit: float) -> float:
    return last_visit + MISSED_INTERVALS * INTERVAL_DAYS[engagement.cadence] * 86400.0


class Notices:
    def __init__(self, store: NoticeBacking, clock: Clock, default_zone: str = "UTC") -> None:
        self._store = store
        self._clock = clock
        self._default_zone = default_zone
        self._marked: set[str] = set()  # engagements whose notices need planning again

    def mark(self, engagement_id: str) -> None:
        """Something a notice depends on changed; the next round plans this engagement."""
        self._marked.add(engagement_id)

    async def plan_marked(self) -> int:
        """Plans the engagements marked since the last round; returns how many."""
        marked, self._marked = sorted(self._marked), set()
        for done, engagement_id in enumerate(marked):
            try:
                engagement = await self._store.engagement(engagement_id)
                if engagement is not None:
                    await self.plan(engagement)
            except BaseException:  # the store went away: try these again next round
                self._marked.update(marked[done:])
                raise
        return len(marked)

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
        for day, due in (await self._homework_days(engagement, now)).items():
            notice = Notice(engagement.id, f"homework:{day}", NoticeKind.HOMEWORK, due)
            await self._store.notice_plan(notice)
        last = await self.last_visit(engagement)
        due = nudge_due(engagement, last)
        await self._store.notice_plan(
            Notice(engagement.id, f"nudge:{last!r}", NoticeKind.NUDGE, due)
        )

    async def _plan_message(self, engagement: Engagement) -> None:
        """One notice for every run of messages one side has not read from the other: the
        key is the reader's read mark, so more messages batch into it, and reading them
        ends the run."""
        state = await self._store.message_state(engagement.id)
        for kind, reader in MESSAGE_NOTICES:
            read = state.read_by(reader)
            for message in await self._store.messages_after(engagement.id, read, 200):
                if message.sender is not reader:
                    key = f"{kind.value}:{read}"
                    due = message.sent_at + QUIET_SECONDS
                    await self._store.notice_plan(Notice(engagement.id, key, kind, due))
                    break

    async def zone_of(self, engagement: Engagement) -> zoneinfo.ZoneInfo:
        """The coach's zone (times in e-mails and homework days are read in it)."""
        coach = await self._store.coach_by_id(engagement.coach_id)
        return zone(coach.time_zone if coach and coach.time_zone else self._default_zone)

    async def _homework_days(self, engagement: Engagement, now: float) -> dict[str, float]:
        """Each day (YYYY-MM-DD) the client's open homework is due on, still ahead, with
        when its notice goes: HOMEWORK_HOUR the day before, in the coach's zone."""
        snapshot = await self._store.board_snapshot(engagement.id)
        items: list[dict[str, Any]] = snapshot.state["homework"] if snapshot else []
        items = [h for h in items if not h["done"] and h["owner"] == Role.CLIENT.value]
        if not items:
            return {}
        local = await self.zone_of(engagement)
        starts = [
            s.planned_start
            for s in await self._store.sessions_of(engagement.id)
            if s.status is SessionStatus.PLANNED and s.planned_start and s.planned_start > now
        ]
        next_day = (
            dt.datetime.fromtimestamp(min(starts), local).date().isoformat() if starts else None
        )
        days = {next_day if h["due"] == NEXT_SESSION else h["due"] for h in items}
        ahead: dict[str, float] = {}
        for day in sorted(d for d in days if d):
            date = dt.date.fromisoformat(day)
            if dt.datetime.combine(date, dt.time(0), local).timestamp() <= now:
                continue  # due today or past: too late for "tomorrow"
            before = date - dt.timedelta(days=1)
            ahead[day] = dt.datetime.combine(before, dt.time(HOMEWORK_HOUR), local).timestamp()
        return ahead

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
        elif notice.kind in (NoticeKind.MESSAGE, NoticeKind.COACH_MESSAGE):
            state = await self._store.message_state(engagement.id)
            reader = Role.COACH if notice.kind.to_coach else Role.CLIENT
            if notice.key != f"{notice.kind.value}:{state.read_by(reader)}":
                return None  # read meanwhile
        elif notice.kind is NoticeKind.HOMEWORK:
            day = notice.key.removeprefix("homework:")
            if day not in await self._homework_days(engagement, now):
                return None  # done, moved, removed, or the day has begun
            contact = await self._store.notice_contact(engagement.id)
            return Occasion(notice, engagement, contact, None, day)
        else:
            session = await self._store.session_get(engagement.id, notice.session_id)
            start = session.planned_start if session is not None else None
            if session is None or session.status is not SessionStatus.PLANNED or start is None:
                return None
            if not notice.key.endswith(f":{int(start)}") or start <= now:
                return None
            if notice.kind in DAY_BEFORE and start - now < 3600.0:
                return None  # the 1-hour reminder is the one that is due
        if notice.kind.to_coach:
            coach = await self._store.coach_by_id(engagement.coach_id)
            if coach is None:
                return None
            contact = Contact(coach.email, coach.mail_off, "")
            return Occasion(notice, engagement, contact, session, "", coach)
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
        log = await self.log(engagement)
        shown = [e for e in log if e.outcome is not Outcome.SENT and not e.kind.to_coach]
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
