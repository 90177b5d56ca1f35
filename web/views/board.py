"""The goal board's pages: the live board between sessions, print view, exports.

The coach reaches them through the login (Engagements.get answers another coach's
engagement as missing), the client through the invite link. What a page or export holds
is decided by the role alone: private notes and history are fetched only for the coach,
so a client's response is built without them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rooms.board.export import to_json, to_markdown
from rooms.models import Engagement, Role
from web.auth import require_coach
from web.invites import invited_engagement
from web.keys import AGREEMENTS, BOARDS, CATALOGS, ENGAGEMENTS, MESSAGES, SESSIONS
from web.render import language_of, render
from web.views.program import program_context


async def _coach(request: web.Request) -> Engagement:
    coach = require_coach(request)
    return await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])


async def _who(
    request: web.Request, *, closed_ok: bool = False
) -> tuple[Engagement, Role] | web.Response:
    if "token" in request.match_info:
        found = await invited_engagement(request, closed_ok=closed_ok)
        return found if isinstance(found, web.Response) else (found, Role.CLIENT)
    return await _coach(request), Role.COACH


def _base(engagement: Engagement, role: Role, invite: str) -> str:
    return f"/engagements/{engagement.id}" if role is Role.COACH else f"/i/{invite}"


async def board_page(request: web.Request) -> web.Response:
    who = await _who(request)
    if isinstance(who, web.Response):
        return who
    engagement, role = who
    invite = request.match_info.get("token", "")
    context = {
        "engagement": engagement,
        "role": role.value,
        "invite": invite,
        "back": _base(engagement, role, invite),
        "full_page": True,
        **await program_context(request, engagement, role),
    }
    language = engagement.language.value if role is Role.CLIENT else None
    return await render(request, "board.html", context, language=language)


async def _contents(engagement: Engagement, role: Role, request: web.Request) -> dict[str, Any]:
    boards = request.app[BOARDS]
    snapshot = await boards.snapshot(engagement)
    contents: dict[str, Any] = {"version": snapshot.version, "board": snapshot.state}
    if role is Role.COACH:
        contents["private"] = await boards.private_notes(engagement, role)
        contents["history"] = await boards.history(engagement, role)
    return contents


async def print_page(request: web.Request) -> web.Response:
    who = await _who(request)
    if isinstance(who, web.Response):
        return who
    engagement, role = who
    contents = await _contents(engagement, role, request)
    invite = request.match_info.get("token", "")
    context = {
        "engagement": engagement,
        "role": role.value,
        "back": _base(engagement, role, invite) + "/board",
        "private": contents.get("private"),
        "version": contents["version"],
        "board": contents["board"],
    }
    language = engagement.language.value if role is Role.CLIENT else None
    return await render(request, "board_print.html", context, language=language)


async def export(request: web.Request) -> web.Response:
    who = await _who(request, closed_ok=True)  # the final export outlives the program
    if isinstance(who, web.Response):
        return who
    engagement, role = who
    contents = await _contents(engagement, role, request)
    kind = request.match_info["kind"]
    language = engagement.language.value if role is Role.CLIENT else language_of(request)
    common: dict[str, Any] = {
        "private": contents.get("private"),
        "history": contents.get("history"),
        "agreement": await request.app[AGREEMENTS].status(engagement),
        "language": language,
        "sessions": await request.app[SESSIONS].of(engagement),
        "messages": await request.app[MESSAGES].transcript(engagement),
    }
    if kind == "json":
        body = to_json(engagement, contents["version"], contents["board"], **common)
    else:
        translator = request.app[CATALOGS].get(language)
        body = to_markdown(
            engagement, contents["version"], contents["board"], translator=translator, **common
        )
    response = web.Response(
        text=body,
        content_type="application/json" if kind == "json" else "text/markdown",
        charset="utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="goal-board.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response
