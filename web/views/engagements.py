"""The coach's dashboard and engagement pages: create, copy, rotate and revoke invites.

Every handler resolves the engagement through Engagements.get(coach, id), which answers
another coach's engagement exactly like a missing one (404).
"""

from __future__ import annotations

from aiohttp import web

from rooms.engagements import EngagementDraft
from rooms.errors import InvalidInput, TandemError
from rooms.models import PROGRAM_MONTHS, SESSION_MINUTES, Cadence, Engagement, Language, Role
from rooms.sessions.schedule import SERIES_MONTHS
from rooms.sessions.schedule import SESSION_LENGTHS as SESSION_LENGTHS_PLANNED
from web.auth import check_form_origin, require_coach
from web.dates import coach_zone, coach_zone_name, zone_choices
from web.forms import read_form
from web.keys import BOARDS, ENGAGEMENTS, MESSAGES, PROGRAM, STORE, WEB_SETTINGS
from web.render import language_of, render, translate_error
from web.sessions_context import coach_sessions, overview
from web.views.notices import notices_context
from web.views.program import program_context
from web.views.rehearsal import latest_rehearsal
from web.views.techcheck import latest_summaries

FORM_CHOICES = {
    "client_languages": [lang.value for lang in Language],
    "program_months": PROGRAM_MONTHS,
    "session_minutes": SESSION_MINUTES,
    "cadences": [cadence.value for cadence in Cadence],
}


def invite_url(request: web.Request, engagement: Engagement) -> str:
    return f"{request.app[WEB_SETTINGS].base_url}/i/{engagement.invite_token}"


async def dashboard(request: web.Request) -> web.Response:
    coach = require_coach(request)
    engagements = await request.app[ENGAGEMENTS].of_coach(coach.id)
    techchecks = await latest_summaries(request, [e.id for e in engagements])
    boards, days = request.app[BOARDS], request.app[WEB_SETTINGS].inactive_days
    progress = {e.id: await boards.progress(e, request.app[STORE], days) for e in engagements}
    tz = coach_zone(request)
    language = language_of(request)
    sessions = {e.id: await overview(request, e, tz, language) for e in engagements}
    milestones = {e.id: await request.app[PROGRAM].milestones(e) for e in engagements}
    unread = {e.id: await request.app[MESSAGES].unread(e, Role.COACH) for e in engagements}
    context = {
        "milestones": milestones,
        "unread": unread,
        "engagements": engagements,
        "sessions": sessions,
        "techchecks": techchecks,
        "progress": progress,
        "inactive_days": days,
        "erased": request.query.get("erased") == "1",
    }
    return await render(request, "dashboard.html", context)


async def new_form(request: web.Request) -> web.Response:
    require_coach(request)
    defaults = {
        "language": "nb",
        "program_months": "6",
        "session_minutes": "60",
        "cadence": "biweekly",
        "client_name": "",
    }
    context = {"values": defaults, "error": None, "field": None, **FORM_CHOICES}
    return await render(request, "engagement_new.html", context)


async def create(request: web.Request) -> web.StreamResponse:
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    try:
        draft = EngagementDraft.parse(form)
    except InvalidInput as error:
        values = {k: v if isinstance(v, str) else "" for k, v in form.items()}
        context = {
            "values": {"client_name": "", **values},
            "error": translate_error(request, error.template, error.params),
            "field": error.field,
            **FORM_CHOICES,
        }
        return await render(request, "engagement_new.html", context, status=400)
    engagement = await request.app[ENGAGEMENTS].create(coach.id, draft)
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}")


async def detail(request: web.Request) -> web.Response:
    coach = require_coach(request)
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    return await detail_page(request, engagement)


async def detail_page(
    request: web.Request,
    engagement: Engagement,
    *,
    error: TandemError | None = None,
    status: int = 200,
) -> web.Response:
    """The engagement page; with `error`, a refused sessions form said why."""
    context: dict[str, object] = {
        "engagement": engagement,
        "invite_url": invite_url(request, engagement),
    }
    context["techcheck"] = (await latest_summaries(request, [engagement.id])).get(engagement.id)
    context.update(await program_context(request, engagement, Role.COACH))
    context["rehearsal"] = await latest_rehearsal(request, engagement.id)
    context.update(await coach_sessions(request, engagement, coach_zone(request)))
    context["session_error"] = (
        translate_error(request, error.template, error.params) if error else None
    )
    context["session_field"] = error.field if error else None
    context["every_weeks"] = {"weekly": 1, "biweekly": 2, "monthly": 4}[engagement.cadence.value]
    context["session_lengths"] = SESSION_LENGTHS_PLANNED
    context["series_months"] = SERIES_MONTHS
    context["held_minimum"] = request.app[WEB_SETTINGS].session_held_minutes
    context["zone_choices"] = zone_choices(coach_zone_name(request))
    context["role"], context["invite"] = Role.COACH.value, ""
    context["unread"] = await request.app[MESSAGES].unread(engagement, Role.COACH)
    context.update(await notices_context(request, engagement))
    return await render(request, "engagement.html", context, status=status)


async def rotate_invite(request: web.Request) -> web.StreamResponse:
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    engagement = await request.app[ENGAGEMENTS].rotate_invite(coach.id, request.match_info["id"])
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}?invite=rotated")


async def revoke_invite(request: web.Request) -> web.StreamResponse:
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    engagement = await request.app[ENGAGEMENTS].revoke_invite(coach.id, request.match_info["id"])
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}?invite=revoked")
