"""The client's way in: an invite token from the URL, or the page that explains why not.

Every client page (home, room, board, tech check) starts here, so an unknown link and a
revoked one look the same wherever the client clicks, and a closed program's link opens
the page with the final export and nothing else wherever the client clicks.
"""

from __future__ import annotations

from aiohttp import web

from rooms.models import Engagement, InviteState
from rooms.readable import day
from web.keys import ENGAGEMENTS, LIFECYCLE
from web.render import render


async def invited_engagement(
    request: web.Request, *, closed_ok: bool = False
) -> Engagement | web.Response:
    """The engagement of the URL's live invite, or the page to return instead: the
    friendly 404/410, or for a closed program (unless `closed_ok`, the export itself) the
    final-export page."""
    found = await request.app[ENGAGEMENTS].open_invite(request.match_info["token"])
    if found is None:
        return await render(request, "invite_unknown.html", status=404)
    engagement, state = found
    if state is InviteState.REVOKED:
        return await render(
            request, "invite_revoked.html", status=410, language=engagement.language.value
        )
    lifecycle = request.app[LIFECYCLE]
    closed_at = await lifecycle.closed_at(engagement)
    if closed_at is not None and not closed_ok:
        context = {
            "engagement": engagement,
            "invite": request.match_info["token"],
            "erase_on": day(lifecycle.erase_after(closed_at), engagement.language.value),
        }
        language = engagement.language.value
        return await render(request, "program_closed.html", context, language=language)
    return engagement
