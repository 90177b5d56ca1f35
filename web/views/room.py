"""The video room page, for the coach (logged in) and the client (invite link).

The page carries only what its script needs to connect (role, and the engagement id or
the invite token the URL already holds) in data-* attributes; no inline script.
"""

from __future__ import annotations

from aiohttp import web

from rooms.models import Engagement, Role
from server.keys import ENGAGEMENTS, STORE
from web.auth import require_coach
from web.invites import invited_engagement
from web.render import render
from web.views.program import program_context


async def coach_room(request: web.Request) -> web.Response:
    coach = require_coach(request)
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    return await _room(request, engagement, Role.COACH, peer_name=engagement.client_name)


async def client_room(request: web.Request) -> web.Response:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    coach = await request.app[STORE].coach_by_id(engagement.coach_id)
    return await _room(
        request, engagement, Role.CLIENT, peer_name=coach.display_name if coach else ""
    )


async def _room(
    request: web.Request, engagement: Engagement, role: Role, *, peer_name: str
) -> web.Response:
    context = {
        "engagement": engagement,
        "role": role.value,
        "peer_name": peer_name,
        "invite": request.match_info.get("token", ""),
        "back": f"/engagements/{engagement.id}"
        if role is Role.COACH
        else f"/i/{request.match_info.get('token', '')}",
        **await program_context(request, engagement, role),
    }
    language = engagement.language.value if role is Role.CLIENT else None
    return await render(request, "room.html", context, language=language)
