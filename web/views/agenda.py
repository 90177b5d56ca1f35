"""The coach's agenda editor: a plain form (no JSON, no script) for the timer's phases.

Rows left blank are skipped, so the form always offers MAX_PHASES rows and the coach fills
as many as they need. The rules (names, minutes, at least a minute per phase of the
planned time) are rooms.timer's; this module only maps rows to and from the form.
"""

from __future__ import annotations

from aiohttp import web

from rooms.errors import InvalidInput
from rooms.models import Engagement, Role
from rooms.timer.agenda import MAX_NAME, MAX_PHASE_MINUTES, MAX_PHASES
from web.auth import check_form_origin, require_coach
from web.forms import read_form
from web.keys import ENGAGEMENTS, TIMERS
from web.render import render, translate_error

Row = dict[str, object]


async def _engagement(request: web.Request) -> Engagement:
    coach = require_coach(request)
    return await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])


def _padded(rows: list[Row]) -> list[Row]:
    return rows + [{"name": "", "minutes": ""} for _ in range(MAX_PHASES - len(rows))]


async def agenda_form(request: web.Request) -> web.Response:
    engagement = await _engagement(request)
    timers = request.app[TIMERS]
    stored = await timers.stored_agenda(engagement.id)
    agenda = stored or await timers.agenda(engagement.id)
    context = {
        "engagement": engagement,
        "rows": _padded(agenda.to_wire()),
        "is_default": stored is None,
        "saved": request.query.get("saved") == "1",
    }
    return await render(request, "agenda.html", _limits(context))


async def agenda_save(request: web.Request) -> web.StreamResponse:
    engagement = await _engagement(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    rows = _rows(form)
    try:
        await request.app[TIMERS].set_agenda(
            engagement.id, Role.COACH, rows, engagement.session_minutes
        )
    except InvalidInput as error:
        context = {
            "engagement": engagement,
            "rows": _padded([{"name": r["name"], "minutes": r["minutes"]} for r in rows]),
            "is_default": False,
            "error": translate_error(request, error.template, error.params),
        }
        return await render(request, "agenda.html", _limits(context), status=400)
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}/agenda?saved=1")


def _rows(form: dict[str, object]) -> list[Row]:
    """Filled rows in order; minutes stay as typed when they are not a number, so the
    domain refuses them with its own message."""
    rows: list[Row] = []
    for index in range(MAX_PHASES):
        name, minutes = form.get(f"name_{index}", ""), form.get(f"minutes_{index}", "")
        if not (isinstance(name, str) and isinstance(minutes, str)):
            raise InvalidInput("Send this as a form.")
        if not name.strip() and not minutes.strip():
            continue
        number: object = int(minutes) if minutes.strip().isdigit() and len(minutes) < 6 else minutes
        rows.append({"name": name, "minutes": number})
    return rows


def _limits(context: dict[str, object]) -> dict[str, object]:
    defaults: dict[str, object] = {"saved": False, "error": None}
    return {**defaults, **context, "max_name": MAX_NAME, "max_minutes": MAX_PHASE_MINUTES}
