"""The video room page, for the coach (logged in) and the client (invite link).

The page carries only what its script needs to connect (role, and the engagement id or
the invite token the URL already holds) in data-* attributes; no inline script.
"""

from __future__ import annotations

from aiohttp import web

from rooms.models import Engagement, Role
from web.auth import require_coach
from web.dates import client_zone, coach_zone
from web.invites import invited_engagement
from web.keys import CLOCK, ENGAGEMENTS, MESSAGES, SESSIONS, STORE
from web.render import language_of, render
from web.sessions_context import overview
from web.views.program import program_context


async def coach_room(request: web.Request) -> web.Response:
    coach = require_coach(request)
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    return await _room(request, engagement, Role.COACH, peer_name=engagement.client_name)


async def client_room(request: web.Request) -> web.Response:
    return await _client_room(request, rehearsal=False)


async def client_rehearsal(request: web.Request) -> web.Response:
    """The same room page, with the server's echo peer as the other side (docs/rehearsal.md)."""
    return await _client_room(request, rehearsal=True)


async def _client_room(request: web.Request, *, rehearsal: bool) -> web.Response:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    coach = await request.app[STORE].coach_by_id(engagement.coach_id)
    peer_name = coach.display_name if coach else ""
    return await _room(request, engagement, Role.CLIENT, peer_name=peer_name, rehearsal=rehearsal)


async def _room(
    request: web.Request,
    engagement: Engagement,
    role: Role,
    *,
    peer_name: str,
    rehearsal: bool = False,
) -> web.Response:
    context: dict[str, object] = {
        "rehearsal": rehearsal,
        # room.js logs a ?practice=1 call as practice; the page says the other must be there.
        "practice": not rehearsal and request.query.get("practice") == "1",
        "engagement": engagement,
        "role": role.value,
        "peer_name": peer_name,
        "invite": request.match_info.get("token", ""),
        "back": f"/engagements/{engagement.id}"
        if role is Role.COACH
        else f"/i/{request.match_info.get('token', '')}",
        **await program_context(request, engagement, role),
    }
    tz = client_zone(request) if role is Role.CLIENT else coach_zone(request)
    language = engagement.language.value if role is Role.CLIENT else None
    sessions = await overview(request, engagement, tz, language_of(request, language))
    upcoming = sessions["next_session"]
    now, gap = request.app[CLOCK](), request.app[SESSIONS].policy.sitting_gap_seconds
    under_way = upcoming is not None and (upcoming.record.planned_start or 0.0) - gap <= now
    context.update(counts=sessions["counts"], current=upcoming if under_way else None)
    context["unread"] = 0 if rehearsal else await request.app[MESSAGES].unread(engagement, role)
    return await render(request, "room.html", context, language=language)
