"""What the pages show of sessions, built once per page from the Sessions service.

Every count on every page comes from Sessions.counts(), the one source; this module only
turns records into what templates print (times in the viewer's zone and language).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from rooms.models import Engagement, Role
from rooms.sessions import Counts, SessionRecord
from web.dates import Moment, moment
from web.keys import SESSIONS, STORE
from web.render import language_of


@dataclass(frozen=True, slots=True)
class SessionRow:
    record: SessionRecord
    status: str
    when: Moment | None
    ends: Moment | None
    held_minutes: int


@dataclass(frozen=True, slots=True)
class RecapView:
    session: SessionRow
    changes: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    next_session: Moment | None


def row(record: SessionRecord, tz: zoneinfo.ZoneInfo, language: str) -> SessionRow:
    start = record.planned_start if record.planned_start is not None else record.started_at
    end = record.planned_end if record.planned_start is not None else record.ended_at
    return SessionRow(
        record=record,
        status=record.status.value,
        when=moment(start, tz, language) if start is not None else None,
        ends=moment(end, tz, language) if end is not None else None,
        held_minutes=round(record.together_seconds / 60),
    )


def recap_view(row_: SessionRow, tz: zoneinfo.ZoneInfo, language: str) -> RecapView | None:
    recap = row_.record.recap
    if not recap:
        return None
    upcoming = recap.get("next_start")
    phases = [{**p, "minutes": round(p["seconds"] / 60)} for p in recap.get("phases", [])]
    return RecapView(
        session=row_,
        changes=list(recap.get("changes", [])),
        phases=phases,
        next_session=moment(upcoming, tz, language) if upcoming else None,
    )


async def overview(
    request: web.Request, engagement: Engagement, tz: zoneinfo.ZoneInfo, language: str
) -> dict[str, Any]:
    """Counts, the next session and the last recap: what every page about this
    engagement may show, in the page's language."""
    sessions = request.app[SESSIONS]
    counts: Counts = await sessions.counts(engagement)
    upcoming = await sessions.next_session(engagement)
    last = await sessions.last_recap(engagement)
    last_row = row(last, tz, language) if last else None
    return {
        "counts": counts,
        "next_session": row(upcoming, tz, language) if upcoming else None,
        "last_recap": recap_view(last_row, tz, language) if last_row else None,
        "zone_name": tz.key,
    }


async def coach_sessions(
    request: web.Request, engagement: Engagement, tz: zoneinfo.ZoneInfo
) -> dict[str, Any]:
    """The engagement page: every session, the connection history, the overview."""
    sessions = request.app[SESSIONS]
    language = language_of(request)
    rows = [row(s, tz, language) for s in await sessions.of(engagement)]
    history = await sessions.connection_history(engagement)
    calls = [
        {
            "call": line.call,
            "start": moment(line.call.started_at, tz, language),
            "minutes": round((line.call.duration or 0) / 60),
            "open": line.call.ended_at is None,
            "session_id": line.session_id,
            "reports": {r.role.value: r for r in line.reports},
        }
        for line in history.calls
    ]
    checks = [
        {"report": report, "when": moment(report.created_at, tz, language)}
        for report in history.techchecks
    ]
    return {
        **await overview(request, engagement, tz, language),
        "sessions": rows,
        "calls": calls,
        "checks": checks,
    }


async def techcheck_done(request: web.Request, engagement: Engagement) -> bool:
    return await request.app[STORE].latest_techcheck(engagement.id, Role.CLIENT) is not None
