"""When calls make a session, when a session counts as held, and what the counts are.

    sitting   the calls of one meeting: a call that starts within an hour of the end of
              the previous one, or inside the same planned slot, belongs to the same
              session (a reload, a dropped line, a leave and rejoin)
    held      both people were in the room together (the calls' summed length) for at
              least HeldPolicy.min_together_seconds; a phone or in-person session the coach
              records is held by definition
    missed    a planned session whose slot is over (plus the sitting gap) and not held
    counts    held = held sessions; planned = every session not cancelled, or, while the
              coach has planned none, the program's estimate

Practice calls and tech checks never reach these functions' inputs as sessions. Every
function is pure, so the same answer comes out of every process and every page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rooms.calls import CallKind, CallRecord
from rooms.sessions.records import SessionKind, SessionRecord, SessionStatus


@dataclass(frozen=True, slots=True)
class HeldPolicy:
    min_together_seconds: float = 600.0
    sitting_gap_seconds: float = 3600.0


@dataclass(frozen=True, slots=True)
class Counts:
    """`number` is the n of "Session n of m": the session in progress (or just held), or
    the next one when none is."""

    held: int
    planned: int
    number: int


def effective_status(session: SessionRecord, now: float, policy: HeldPolicy) -> SessionStatus:
    if session.status is not SessionStatus.PLANNED or session.corrected:
        return session.status
    end = session.planned_end
    if end is not None and now > end + policy.sitting_gap_seconds:
        return SessionStatus.MISSED
    return SessionStatus.PLANNED


def _counts_as_video(session: SessionRecord) -> bool:
    return session.kind is SessionKind.VIDEO and session.status is not SessionStatus.CANCELLED


def sitting_for(
    sessions: Iterable[SessionRecord], call: CallRecord, policy: HeldPolicy
) -> SessionRecord | None:
    """The video session this call continues: one with calls whose last call ended less
    than the gap before this one began, or whose planned slot this call starts in."""
    best: SessionRecord | None = None
    for session in sessions:
        if not _counts_as_video(session) or not session.calls or session.ended_at is None:
            continue
        close = call.started_at - session.ended_at <= policy.sitting_gap_seconds
        end = session.planned_end
        in_slot = end is not None and session.start <= call.started_at <= end
        later = best is None or session.ended_at > (best.ended_at or 0.0)
        if (close or in_slot) and call.started_at >= session.start and later:
            best = session
    return best


def planned_for(
    sessions: Iterable[SessionRecord], call: CallRecord, policy: HeldPolicy
) -> SessionRecord | None:
    """The planned video session whose slot (widened by the gap on both sides) holds the
    call's start; the one planned closest to it when slots overlap."""
    gap = policy.sitting_gap_seconds
    candidates = [
        s
        for s in sessions
        if _counts_as_video(s)
        and s.status is SessionStatus.PLANNED
        and not s.corrected
        and s.planned_start is not None
        and s.planned_start - gap <= call.started_at <= s.planned_start + s.minutes * 60 + gap
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda s: abs((s.planned_start or 0.0) - call.started_at))


def unattached_chain(
    calls: Sequence[CallRecord], attached: set[int], last: CallRecord, policy: HeldPolicy
) -> list[CallRecord]:
    """The real calls nobody planned that lead up to `last` with gaps under the sitting
    gap: together they may make a held session although each alone was too short."""
    real = [
        c
        for c in calls
        if c.kind is CallKind.REAL
        and c.ended_at is not None
        and c.id not in attached
        and c.started_at <= last.started_at
    ]
    real.sort(key=lambda c: (c.started_at, c.id))
    chain: list[CallRecord] = []
    for call in reversed(real):
        if chain and (call.ended_at or 0.0) < chain[0].started_at - policy.sitting_gap_seconds:
            break
        chain.insert(0, call)
    return chain


def together_seconds(calls: Iterable[CallRecord]) -> float:
    return sum(c.duration or 0.0 for c in calls if c.kind is CallKind.REAL)


def attach(
    session: SessionRecord, calls: Sequence[CallRecord], policy: HeldPolicy
) -> SessionRecord:
    """`session` with `calls` added (once each) and its held status worked out again."""
    new = [c for c in calls if c.id not in session.calls and c.kind is CallKind.REAL]
    if not new:
        return session
    together = session.together_seconds + together_seconds(new)
    started = min([c.started_at for c in new] + [session.started_at or new[0].started_at])
    ended = max([c.ended_at or c.started_at for c in new] + [session.ended_at or 0.0])
    status = session.status
    if not session.corrected and together >= policy.min_together_seconds:
        status = SessionStatus.HELD
    return session.next_version(
        calls=(*session.calls, *(c.id for c in new)),
        together_seconds=together,
        started_at=started,
        ended_at=ended,
        status=status,
    )


def counts(
    sessions: Sequence[SessionRecord], now: float, policy: HeldPolicy, program_estimate: int
) -> Counts:
    live = [s for s in sessions if s.status is not SessionStatus.CANCELLED]
    held = sorted(
        (s for s in live if effective_status(s, now, policy) is SessionStatus.HELD),
        key=lambda s: s.start,
    )
    scheduled = any(s.planned_start is not None for s in live)
    planned = len(live) if scheduled else max(program_estimate, len(held))
    recent = [
        s
        for s in held
        if s.kind is SessionKind.VIDEO
        and s.ended_at is not None
        and now - s.ended_at <= policy.sitting_gap_seconds
    ]
    number = held.index(recent[-1]) + 1 if recent else len(held) + 1
    return Counts(held=len(held), planned=planned, number=number)


def next_planned(
    sessions: Iterable[SessionRecord], now: float, policy: HeldPolicy
) -> SessionRecord | None:
    """The next session still to come, or the one under way (its slot has not ended)."""
    upcoming = [
        s
        for s in sessions
        if s.status is SessionStatus.PLANNED
        and not s.corrected
        and s.planned_start is not None
        and (s.planned_end or 0.0) > now
    ]
    return min(upcoming, key=lambda s: s.planned_start or 0.0, default=None)


def ordered(sessions: Iterable[SessionRecord]) -> list[SessionRecord]:
    return sorted(sessions, key=lambda s: (s.start, s.id))
