"""Sessions as the pages and the room use them: plan, move, cancel, record, correct,
count, attach calls to sittings, and recap.

Every write reads the record, applies a pure change and stores it with compare-and-set
on the version; a lost race is retried on the newer record. The call hooks are
idempotent (a call already attached changes nothing), so a hook run twice, or by two
processes, counts a call once. All counts come from `counts()`, which the dashboard, the
client's home and the room all call: they cannot disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from rooms.calls import CallKind, CallRecord
from rooms.clock import Clock
from rooms.errors import Conflict, InvalidInput, NotFound
from rooms.models import Engagement, Role
from rooms.sessions import recap, rules
from rooms.sessions.records import (
    CallReport,
    MediaPath,
    QualityLevel,
    SessionKind,
    SessionRecord,
    SessionStatus,
)
from rooms.sessions.rules import Counts, HeldPolicy
from rooms.sessions.schedule import RecordedDraft, SeriesDraft, SessionDraft
from rooms.store import Store
from rooms.techcheck import TechCheckReport
from rooms.tokens import new_id

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_SESSIONS = 150  # three years of weekly sessions: enough for any program
RECAP_HISTORY = 2000
MAX_CATCH_UP = 10  # earlier calls of one sitting a close looks back at
CORRECTABLE = (SessionStatus.HELD, SessionStatus.MISSED, SessionStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class CallLine:
    """One row of the coach's connection history."""

    call: CallRecord
    session_id: str | None
    reports: tuple[CallReport, ...]


@dataclass(frozen=True, slots=True)
class ConnectionHistory:
    calls: tuple[CallLine, ...]
    techchecks: tuple[TechCheckReport, ...]


class Sessions:
    def __init__(self, store: Store, clock: Clock, policy: HeldPolicy) -> None:
        self._store = store
        self._clock = clock
        self.policy = policy

    # --- reading -------------------------------------------------------------------

    async def of(self, engagement: Engagement) -> list[SessionRecord]:
        """Oldest first, each with its status as of now (a past planned one is missed)."""
        now = self._clock()
        stored = await self._store.sessions_of(engagement.id)
        return [
            replace(s, status=rules.effective_status(s, now, self.policy))
            for s in rules.ordered(stored)
        ]

    async def counts(self, engagement: Engagement) -> Counts:
        sessions = await self._store.sessions_of(engagement.id)
        return rules.counts(sessions, self._clock(), self.policy, engagement.planned_sessions)

    async def next_session(self, engagement: Engagement) -> SessionRecord | None:
        sessions = await self._store.sessions_of(engagement.id)
        return rules.next_planned(sessions, self._clock(), self.policy)

    async def last_recap(self, engagement: Engagement) -> SessionRecord | None:
        """The most recent held session that has a recap."""
        held = [s for s in await self.of(engagement) if s.recap and s.status is SessionStatus.HELD]
        return held[-1] if held else None

    async def get(self, engagement: Engagement, session_id: str) -> SessionRecord:
        found = await self._store.session_get(engagement.id, session_id)
        if found is None:
            raise NotFound("No such session.")
        return found

    async def planned_minutes(self, engagement: Engagement) -> int:
        """The timer's default length: the session under way or next, else the plan's."""
        upcoming = await self.next_session(engagement)
        return upcoming.minutes if upcoming is not None else engagement.session_minutes

    # --- the coach's planning --------------------------------------------------------

    async def plan(self, engagement: Engagement, draft: SessionDraft) -> SessionRecord:
        await self._room_for(engagement, 1)
        record = self._new(engagement, draft.kind, draft.start, draft.minutes)
        await self._create(record)
        return record

    async def plan_series(self, engagement: Engagement, draft: SeriesDraft) -> list[SessionRecord]:
        await self._room_for(engagement, len(draft.starts))
        series = new_id()
        made = []
        for start in draft.starts:
            record = self._new(engagement, draft.kind, start, draft.minutes, series=series)
            await self._create(record)
            made.append(record)
        return made

    async def move(
        self, engagement: Engagement, session_id: str, draft: SessionDraft
    ) -> SessionRecord:
        def change(s: SessionRecord) -> SessionRecord:
            if s.status is not SessionStatus.PLANNED or s.calls:
                raise Conflict("Only a session still to come can be moved.")
            return s.next_version(
                planned_start=draft.start,
                minutes=draft.minutes,
                kind=draft.kind,
                sequence=s.sequence + 1,
            )

        return await self._update(engagement, session_id, change)

    async def cancel(self, engagement: Engagement, session_id: str) -> SessionRecord:
        def change(s: SessionRecord) -> SessionRecord:
            if s.status is not SessionStatus.PLANNED:
                raise Conflict("Only a planned session can be cancelled.")
            return s.next_version(status=SessionStatus.CANCELLED, sequence=s.sequence + 1)

        return await self._update(engagement, session_id, change)

    async def record(self, engagement: Engagement, draft: RecordedDraft) -> SessionRecord:
        """A phone or in-person session the coach held: held by definition. It fills the
        planned session of that slot when there is one, else it is a new one."""
        sessions = await self._store.sessions_of(engagement.id)
        probe = CallRecord(0, engagement.id, CallKind.REAL, draft.start, draft.start)
        slot = rules.planned_for(sessions, probe, self.policy)
        start, end = draft.start, draft.start + draft.minutes * 60
        if slot is not None:
            return await self._update(
                engagement,
                slot.id,
                lambda s: s.next_version(
                    kind=draft.kind,
                    status=SessionStatus.HELD,
                    corrected=True,
                    started_at=start,
                    ended_at=end,
                    together_seconds=draft.minutes * 60.0,
                ),
            )
        await self._room_for(engagement, 1)
        record = self._new(engagement, draft.kind, None, draft.minutes)
        record = replace(
            record,
            status=SessionStatus.HELD,
            corrected=True,
            started_at=start,
            ended_at=end,
            together_seconds=draft.minutes * 60.0,
        )
        await self._create(record)
        return record

    async def correct(
        self, engagement: Engagement, session_id: str, status: object
    ) -> SessionRecord:
        """The coach's word wins over the automatic rules, for this session from now on."""
        chosen = next((s for s in CORRECTABLE if s.value == status), None)
        if chosen is None:
            raise InvalidInput(
                "Choose one of: %(options)s.",
                field="status",
                params={"options": ", ".join(s.value for s in CORRECTABLE)},
            )

        def change(s: SessionRecord) -> SessionRecord:
            bump = 1 if chosen is SessionStatus.CANCELLED and s.planned_start else 0
            return s.next_version(status=chosen, corrected=True, sequence=s.sequence + bump)

        return await self._update(engagement, session_id, change)

    # --- hooks from the room and the timer -----------------------------------------------

    async def call_closed(self, engagement: Engagement, call: CallRecord) -> SessionRecord | None:
        """Attaches a closed real call to its sitting's session and works out whether
        that session is now held; builds its recap when it is. Earlier closed calls that
        no hook attached (a process that stopped between closing and attaching, a store
        that was briefly down) within the sitting gap before it are attached first, in
        order, so none of this sitting is lost. (Older short calls stay unattached for
        good: looking only this far back keeps each close a small, bounded piece of work.)"""
        if call.kind is not CallKind.REAL or call.ended_at is None:
            return None
        sessions = await self._store.sessions_of(engagement.id)
        attached = {c for s in sessions for c in s.calls}
        since = call.started_at - self.policy.sitting_gap_seconds
        earlier = [
            c
            for c in await self._store.calls_of(engagement.id)
            if c.kind is CallKind.REAL
            and c.ended_at is not None
            and c.ended_at >= since
            and c.id not in attached
            and c.id != call.id
            and (c.started_at, c.id) < (call.started_at, call.id)
        ][-MAX_CATCH_UP:]
        for missed in earlier:
            # Only a call with a session to join needs a write; calls nobody planned are
            # summed by the unplanned chain of the call closing now.
            if rules.sitting_for(sessions, missed, self.policy) or rules.planned_for(
                sessions, missed, self.policy
            ):
                await self._attach(engagement, missed)
        return await self._attach(engagement, call)

    async def _attach(self, engagement: Engagement, call: CallRecord) -> SessionRecord | None:
        for _ in range(MAX_ATTEMPTS):
            sessions = await self._store.sessions_of(engagement.id)
            if any(call.id in s.calls for s in sessions):
                return None
            target = rules.sitting_for(sessions, call, self.policy) or rules.planned_for(
                sessions, call, self.policy
            )
            if target is not None:
                updated = rules.attach(target, [call], self.policy)
                stored = await self._store.session_put(updated, target.version)
            else:
                unplanned = await self._unplanned(engagement, sessions, call)
                if unplanned is None:
                    return None
                updated = unplanned
                stored = await self._store.session_put(updated, 0)
            if stored:
                if updated.status is SessionStatus.HELD:
                    return await self.refresh_recap(engagement, updated.id)
                return updated
        raise Conflict("The session record is busy; try again.")

    async def _unplanned(
        self, engagement: Engagement, sessions: list[SessionRecord], call: CallRecord
    ) -> SessionRecord | None:
        """Nobody planned this sitting: it becomes a session once its calls together
        reach the held minimum (a short test call counts for nothing)."""
        attached = {c for s in sessions for c in s.calls}
        chain = rules.unattached_chain(
            await self._store.calls_of(engagement.id), attached, call, self.policy
        )
        if rules.together_seconds(chain) < self.policy.min_together_seconds:
            return None
        base = self._new(engagement, SessionKind.VIDEO, None, engagement.session_minutes)
        return rules.attach(replace(base, version=0), chain, self.policy)

    async def refresh_recap(self, engagement: Engagement, session_id: str) -> SessionRecord:
        """(Re)builds the recap of a held session from the board's history and the timer;
        called when a call of it closes and when the coach ends the timer."""
        now = self._clock()

        async def change_with(s: SessionRecord) -> SessionRecord:
            start = s.started_at if s.started_at is not None else s.start
            end = s.ended_at if s.ended_at is not None else now
            snapshot = await self._store.board_snapshot(engagement.id)
            history = await self._store.board_history(engagement.id, RECAP_HISTORY)
            timer = await self._store.timer_get(engagement.id)
            sessions = await self._store.sessions_of(engagement.id)
            following = [
                x
                for x in sessions
                if x.id != s.id
                and x.status is SessionStatus.PLANNED
                and x.planned_start is not None
                and x.planned_start > end
            ]
            upcoming = min((x.planned_start or 0.0 for x in following), default=None)
            built = recap.build(
                board=snapshot.state if snapshot else {},
                records=history,
                timer=timer,
                start=start,
                end=end,
                slack=self.policy.sitting_gap_seconds,
                next_start=upcoming,
                built_at=now,
            )
            return s.next_version(recap=built)

        for _ in range(MAX_ATTEMPTS):
            current = await self.get(engagement, session_id)
            updated = await change_with(current)
            if await self._store.session_put(updated, current.version):
                return updated
        raise Conflict("The session record is busy; try again.")

    async def timer_ended(self, engagement: Engagement, ended_at: float) -> None:
        """The coach ended the session on the timer: the recap of the session just held
        is built now, with the timer's phases."""
        sessions = await self._store.sessions_of(engagement.id)
        recent = [
            s
            for s in sessions
            if s.status is SessionStatus.HELD
            and s.kind is SessionKind.VIDEO
            and s.ended_at is not None
            and abs(ended_at - s.ended_at) <= self.policy.sitting_gap_seconds
        ]
        if recent:
            await self.refresh_recap(engagement, max(recent, key=lambda s: s.ended_at or 0.0).id)

    async def report_call(
        self, engagement: Engagement, role: Role, path: MediaPath, level: QualityLevel | None
    ) -> bool:
        """A room page's reading for the call under way; False when no call is open."""
        calls = await self._store.calls_of(engagement.id)
        open_calls = [c for c in calls if c.ended_at is None]
        if not open_calls:
            return False
        await self._store.call_report_add(engagement.id, open_calls[-1].id, role, path, level)
        return True

    async def connection_history(self, engagement: Engagement) -> ConnectionHistory:
        calls = await self._store.calls_of(engagement.id)
        reports = await self._store.call_reports_of(engagement.id)
        owner = {c: s.id for s in await self._store.sessions_of(engagement.id) for c in s.calls}
        lines = tuple(
            CallLine(
                call,
                owner.get(call.id),
                tuple(r for r in reports if r.call_id == call.id),
            )
            for call in reversed(calls)
        )
        return ConnectionHistory(lines, tuple(await self._store.techchecks_of(engagement.id)))

    async def erase(self, engagement_id: str) -> None:
        await self._store.erase_sessions(engagement_id)

    # --- helpers ---------------------------------------------------------------------

    def _new(
        self,
        engagement: Engagement,
        kind: SessionKind,
        start: float | None,
        minutes: int,
        *,
        series: str | None = None,
    ) -> SessionRecord:
        return SessionRecord(
            id=new_id(),
            engagement_id=engagement.id,
            kind=kind,
            status=SessionStatus.PLANNED,
            planned_start=start,
            minutes=minutes,
            created_at=self._clock(),
            series=series,
        )

    async def _create(self, record: SessionRecord) -> None:
        if not await self._store.session_put(record, 0):
            raise Conflict("This session exists already.")

    async def _room_for(self, engagement: Engagement, more: int) -> None:
        have = len(await self._store.sessions_of(engagement.id))
        if have + more > MAX_SESSIONS:
            raise InvalidInput(
                "An engagement holds at most %(max)s sessions.", params={"max": MAX_SESSIONS}
            )

    async def _update(
        self,
        engagement: Engagement,
        session_id: str,
        change: Callable[[SessionRecord], SessionRecord],
    ) -> SessionRecord:
        for _ in range(MAX_ATTEMPTS):
            current = await self.get(engagement, session_id)
            updated = change(current)
            if await self._store.session_put(updated, current.version):
                return updated
        raise Conflict("The session record is busy; try again.")
