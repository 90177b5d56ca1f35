"""The program's arc in pages: the agreement (coach edits, client accepts), closing, and
erasing an engagement.

The coach reaches everything through the login (Engagements.get answers another coach's
engagement as missing), the client only the agreement page through the invite link. A
closed program's invite opens the final export and nothing else (web/invites.py).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rooms.errors import Conflict, InvalidInput
from rooms.lifecycle import ErasureReason
from rooms.models import Engagement, Role
from rooms.readable import day, moment
from web.auth import check_form_origin, require_coach
from web.forms import read_form
from web.invites import invited_engagement
from web.keys import AGREEMENTS, ENGAGEMENTS, LIFECYCLE, PROGRAM, STORE
from web.render import language_of, render, translate_error


async def program_context(
    request: web.Request, engagement: Engagement, role: Role
) -> dict[str, Any]:
    """What every page that shows the program's state needs (board, room, home, detail):
    the agreement, the milestones, the goals as agreed beside now, the closing."""
    language = engagement.language.value if role is Role.CLIENT else language_of(request)
    state = await request.app[PROGRAM].state(engagement)
    accepted = state.agreement.accepted
    closed_at = state.closed_at
    wanted = request.query.get("open", "")
    return {
        "agreement": state.agreement,
        "agreement_accepted_on": moment(accepted.accepted_at or 0, language) if accepted else "",
        "program": state,
        "open_section": wanted if wanted in ("checkin", "review") else state.open_section,
        "goal_rows": [
            (row, [(r, day(r.at, language)) for r in row.history]) for row in state.goals
        ],
        "first_agreed_on": day(state.first_agreed.accepted_at or 0, language)
        if state.first_agreed
        else "",
        "closed_on": moment(closed_at, language) if closed_at is not None else "",
        "erase_on": day(request.app[LIFECYCLE].erase_after(closed_at), language)
        if closed_at is not None
        else "",
    }


async def _coach(request: web.Request) -> Engagement:
    coach = require_coach(request)
    return await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])


async def agreement_form(request: web.Request) -> web.Response:
    engagement = await _coach(request)
    return await _coach_page(request, engagement)


async def _coach_page(
    request: web.Request,
    engagement: Engagement,
    *,
    text: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    agreements = request.app[AGREEMENTS]
    versions = await agreements.versions(engagement)
    coach = require_coach(request)
    if text is None:
        text = (
            versions[-1].text if versions else agreements.template(engagement, coach.display_name)
        )
    context = {
        "engagement": engagement,
        "text": text,
        "from_template": not versions,
        "versions": [
            (v, moment(v.accepted_at, language_of(request)) if v.accepted_at else "")
            for v in reversed(versions)
        ],
        "error": error,
        "saved": request.query.get("saved") == "1",
        **await program_context(request, engagement, Role.COACH),
    }
    return await render(request, "agreement.html", context, status=status)


async def agreement_save(request: web.Request) -> web.StreamResponse:
    engagement = await _coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    try:
        await request.app[AGREEMENTS].save(engagement, Role.COACH, form.get("text"))
    except InvalidInput as error:
        message = translate_error(request, error.template, error.params)
        text = form.get("text") if isinstance(form.get("text"), str) else ""
        return await _coach_page(request, engagement, text=str(text), error=message, status=400)
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}/agreement?saved=1")


async def client_agreement(request: web.Request) -> web.Response:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    return await _client_page(request, engagement)


async def _client_page(
    request: web.Request, engagement: Engagement, *, error: str | None = None, status: int = 200
) -> web.Response:
    versions = await request.app[AGREEMENTS].versions(engagement)
    coach = await request.app[STORE].coach_by_id(engagement.coach_id)
    context = {
        "engagement": engagement,
        "invite": request.match_info["token"],
        "newest": versions[-1] if versions else None,
        "coach_name": coach.display_name if coach else "",
        "error": error,
        "accepted_now": request.query.get("accepted") == "1",
        **await program_context(request, engagement, Role.CLIENT),
    }
    language = engagement.language.value
    return await render(request, "agreement_client.html", context, status=status, language=language)


async def client_accept(request: web.Request) -> web.StreamResponse:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    raw = form.get("version")
    number: object = int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 7 else raw
    try:
        await request.app[AGREEMENTS].accept(
            engagement, Role.CLIENT, number, form.get("digest"), form.get("consent") == "yes"
        )
    except (Conflict, InvalidInput) as error:
        language_of(request, engagement.language.value)
        message = translate_error(request, error.template, error.params)
        return await _client_page(request, engagement, error=message, status=409)
    raise web.HTTPSeeOther(location=f"/i/{request.match_info['token']}/agreement?accepted=1")


async def close(request: web.Request) -> web.StreamResponse:
    engagement = await _coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    await request.app[LIFECYCLE].close(engagement)
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}?program=closed")


async def erase(request: web.Request) -> web.StreamResponse:
    """Asks for an explicit confirmation: erasing cannot be undone."""
    engagement = await _coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    if form.get("confirm") != "erase":
        raise InvalidInput("Tick the box to confirm that everything is erased for good.")
    record = await request.app[LIFECYCLE].erase(engagement, ErasureReason.REQUEST)
    if record is None:
        raise Conflict("This engagement is being erased right now.")
    raise web.HTTPSeeOther(location="/dashboard?erased=1")
