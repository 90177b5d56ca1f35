"""The tech-check page (client via invite link, coach via login) and the summaries of the
latest result that the coach's dashboard and engagement page show.

The page gets only what its script needs in data-* attributes: how to authenticate its
socket (the invite token already in the URL, or the engagement id for the coach's cookie),
the room URL for a practice call, and the verdict thresholds for live hints.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp import web
from babel.dates import format_datetime

from rooms.models import Engagement, Role
from rooms.techcheck import THRESHOLDS, TechCheckReport
from web.auth import require_coach
from web.invites import invited_engagement
from web.keys import ENGAGEMENTS, STORE
from web.render import language_of, render

FIGURES = ("rtt_ms", "jitter_ms", "packet_loss_pct", "bitrate_up_kbps", "bitrate_down_kbps")


async def client_check(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    return await _page(request, engagement, Role.CLIENT, invite=token, base=f"/i/{token}")


async def coach_check(request: web.Request) -> web.Response:
    coach = require_coach(request)
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    return await _page(
        request, engagement, Role.COACH, invite="", base=f"/engagements/{engagement.id}"
    )


async def _page(
    request: web.Request, engagement: Engagement, role: Role, *, invite: str, base: str
) -> web.Response:
    context = {
        "engagement": engagement,
        "role": role.value,
        "invite": invite,
        "back": base,
        "room_url": f"{base}/room?practice=1",
        "thresholds": json.dumps(THRESHOLDS),
    }
    language = engagement.language.value if role is Role.CLIENT else None
    return await render(request, "techcheck.html", context, language=language)


async def latest_summaries(
    request: web.Request, engagement_ids: list[str]
) -> dict[str, dict[str, object]]:
    """The latest client result per engagement, ready for templates/_techcheck_result.html."""
    store = request.app[STORE]
    found: dict[str, dict[str, object]] = {}
    for engagement_id in engagement_ids:
        report = await store.latest_techcheck(engagement_id, Role.CLIENT)
        if report is not None:
            found[engagement_id] = summary(request, report)
    return found


def summary(request: web.Request, report: TechCheckReport) -> dict[str, object]:
    at = datetime.fromtimestamp(report.created_at, UTC)
    figures = report.network.figures()
    return {
        "readiness": report.readiness.value,
        "iso": at.isoformat(),
        "when": format_datetime(at, "medium", tzinfo=UTC, locale=language_of(request)) + " UTC",
        "browser": report.browser or "?",
        "steps": [(step.value, outcome.value) for step, outcome in report.steps.items()],
        "figures": [(name, figures[name]) for name in FIGURES if figures[name] is not None],
        "ice_path": report.network.ice_path.value,
    }
