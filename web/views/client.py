"""The client's home, opened from the invite link: no account, one link, their language."""

from __future__ import annotations

from aiohttp import web

from rooms.models import Role
from server.keys import STORE
from web.invites import invited_engagement
from web.render import render
from web.views.program import program_context


async def invite_home(request: web.Request) -> web.Response:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    coach = await request.app[STORE].coach_by_id(engagement.coach_id)
    context = {"engagement": engagement, "coach_name": coach.display_name if coach else ""}
    context.update(await program_context(request, engagement, Role.CLIENT))
    return await render(request, "client_home.html", context, language=engagement.language.value)
