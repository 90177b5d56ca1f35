"""The coach plans, moves, cancels, records and corrects sessions from the engagement
page; both people download calendar files.

Each form is parsed by a rooms/ draft in the coach's own time zone (times are stored in
UTC). A refused form shows the engagement page again with the error beside the form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from rooms.errors import Conflict, InvalidInput, TandemError
from rooms.models import Engagement, Role
from rooms.sessions import SessionRecord
from rooms.sessions.ics import EventText, calendar
from rooms.sessions.schedule import RecordedDraft, SeriesDraft, SessionDraft, zone
from web.auth import check_form_origin, require_coach
from web.dates import coach_zone
from web.forms import read_form
from web.invites import invited_engagement
from web.keys import CATALOGS, CLOCK, ENGAGEMENTS, SESSIONS, STORE, WEB_SETTINGS
from web.render import language_of, newstyle
from web.views.engagements import detail_page

Action = Callable[[Engagement, dict[str, object]], Awaitable[object]]


async def _coach_form(request: web.Request, action: Action, anchor: str) -> web.StreamResponse:
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    try:
        await action(engagement, form)
    except (InvalidInput, Conflict) as error:
        return await detail_page(request, engagement, error=error, status=400)
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}#{anchor}")


async def plan(request: web.Request) -> web.StreamResponse:
    tz = coach_zone(request)

    async def act(engagement: Engagement, form: dict[str, object]) -> object:
        return await request.app[SESSIONS].plan(engagement, SessionDraft.parse(form, tz))

    return await _coach_form(request, act, "sessions")


async def plan_series(request: web.Request) -> web.StreamResponse:
    tz = coach_zone(request)

    async def act(engagement: Engagement, form: dict[str, object]) -> object:
        return await request.app[SESSIONS].plan_series(engagement, SeriesDraft.parse(form, tz))

    return await _coach_form(request, act, "sessions")


async def record(request: web.Request) -> web.StreamResponse:
    tz = coach_zone(request)

    async def act(engagement: Engagement, form: dict[str, object]) -> object:
        return await request.app[SESSIONS].record(engagement, RecordedDraft.parse(form, tz))

    return await _coach_form(request, act, "sessions")


async def move(request: web.Request) -> web.StreamResponse:
    tz, session_id = coach_zone(request), request.match_info["session"]

    async def act(engagement: Engagement, form: dict[str, object]) -> object:
        draft = SessionDraft.parse(form, tz)
        return await request.app[SESSIONS].move(engagement, session_id, draft)

    return await _coach_form(request, act, "sessions")


async def cancel(request: web.Request) -> web.StreamResponse:
    session_id = request.match_info["session"]

    async def act(engagement: Engagement, form: dict[str, object]) -> object:
        return await request.app[SESSIONS].cancel(engagement, session_id)

    return await _coach_form(request, act, "sessions")


async def correct(request: web.Request) -> web.StreamResponse:
    session_id = request.match_info["session"]

    async def act(engagement: Engagement, form: dict[str, object]) -> object:
        return await request.app[SESSIONS].correct(engagement, session_id, form.get("status"))

    return await _coach_form(request, act, "sessions")


async def set_time_zone(request: web.Request) -> web.StreamResponse:
    """The coach's own zone, kept with their account; "" goes back to the default."""
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    raw = form.get("time_zone")
    back = form.get("engagement")
    name = "" if raw in ("", None) else zone(raw).key
    await request.app[STORE].set_coach_time_zone(coach.id, name)
    if isinstance(back, str) and back:
        engagement = await request.app[ENGAGEMENTS].get(coach.id, back)
        raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}#sessions")
    raise web.HTTPSeeOther(location="/dashboard")


async def coach_ics(request: web.Request) -> web.Response:
    coach = require_coach(request)
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    base = request.app[WEB_SETTINGS].base_url
    room = f"{base}/engagements/{engagement.id}/room"
    return await _ics(request, engagement, Role.COACH, room, language_of(request))


async def client_ics(request: web.Request) -> web.Response:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    room = f"{request.app[WEB_SETTINGS].base_url}/i/{engagement.invite_token}/room"
    return await _ics(request, engagement, Role.CLIENT, room, engagement.language.value)


async def _ics(
    request: web.Request, engagement: Engagement, role: Role, room: str, language: str
) -> web.Response:
    """One session (`?session=<id>`) or the whole program."""
    sessions = request.app[SESSIONS]
    wanted = request.query.get("session")
    chosen: list[SessionRecord]
    if wanted:
        try:
            chosen = [await sessions.get(engagement, wanted)]
        except TandemError:
            raise web.HTTPNotFound() from None
    else:
        chosen = await sessions.of(engagement)
    gettext, _n = newstyle(request.app[CATALOGS].get(language))
    if role is Role.CLIENT:
        coach = await request.app[STORE].coach_by_id(engagement.coach_id)
        name = coach.display_name if coach else ""
    else:
        name = engagement.client_name
    text = EventText(
        summary=gettext("Coaching session with %(name)s", name=name),
        description=gettext("Open the video room from this link at the time of the session."),
        location=room,
    )
    body = calendar(chosen, text, request.app[CLOCK]())
    filename = "session.ics" if wanted else "sessions.ics"
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
