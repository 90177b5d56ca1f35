"""What the coach sees of the client's room rehearsals: "rehearsed the room on …".

The rehearsal page itself is the room page (web/views/room.py, client_rehearsal); this
module only summarises the log for the engagement page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from babel.dates import format_date

from web.keys import STORE
from web.render import language_of


async def latest_rehearsal(request: web.Request, engagement_id: str) -> dict[str, object] | None:
    """The most complete of the client's rehearsals (the newest among equals), for
    templates/_rehearsal_result.html: a later half-done try does not hide a full one."""
    rehearsals = await request.app[STORE].rehearsals_of(engagement_id)
    if not rehearsals:
        return None
    best = max(rehearsals, key=lambda r: (r.complete, len(r.done), r.started_at))
    at = datetime.fromtimestamp(best.started_at, UTC)
    return {
        "iso": at.isoformat(),
        "date": format_date(at, "long", locale=language_of(request)),
        "complete": best.complete,
        "done": len(best.done),
        "offered": len(best.offered),
        "count": len(rehearsals),
    }
