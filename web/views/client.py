"""The client's home, opened from the invite link: no account, one link, their language."""

from __future__ import annotations

from aiohttp import web

from rooms.models import InviteState
from server.keys import ENGAGEMENTS, STORE
from web.render import render


async def invite_home(request: web.Request) -> web.Response:
    found = await request.app[ENGAGEMENTS].open_invite(request.match_info["token"])
    if found is None:
        return await render(request, "invite_unknown.html", status=404)
    engagement, state = found
    if state is InviteState.REVOKED:
        return await render(
            request, "invite_revoked.html", status=410, language=engagement.language.value
        )
    coach = await request.app[STORE].coach_by_id(engagement.coach_id)
    context = {"engagement": engagement, "coach_name": coach.display_name if coach else ""}
    return await render(request, "client_home.html", context, language=engagement.language.value)
