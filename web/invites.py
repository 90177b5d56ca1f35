"""The client's way in: an invite token from the URL, or the page that explains why not.

Every client page (home, room, board, tech check) starts here, so an unknown link and a
revoked one look the same wherever the client clicks.
"""

from __future__ import annotations

from aiohttp import web

from rooms.models import Engagement, InviteState
from server.keys import ENGAGEMENTS
from web.render import render


async def invited_engagement(request: web.Request) -> Engagement | web.Response:
    """The engagement of the URL's live invite, or the friendly 404/410 page to return."""
    found = await request.app[ENGAGEMENTS].open_invite(request.match_info["token"])
    if found is None:
        return await render(request, "invite_unknown.html", status=404)
    engagement, state = found
    if state is InviteState.REVOKED:
        return await render(
            request, "invite_revoked.html", status=410, language=engagement.language.value
        )
    return engagement
