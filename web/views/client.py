"""The client's home, opened from the invite link: no account, one link, their language.

It leads with what is next, as an ordered list of steps (`next_steps`): the tech check
while it is due, the next session, homework to do. A feature that has a step for the
client adds one NextStep here; the template renders the list and needs no change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from rooms.board.schema import NEXT_SESSION
from rooms.models import Engagement, Role
from web.dates import client_zone
from web.invites import invited_engagement
from web.keys import BOARDS, CATALOGS, CLOCK, MESSAGES, NOTICES, STORE
from web.render import language_of, newstyle, render
from web.sessions_context import overview, techcheck_done
from web.views.program import program_context

MAX_HOMEWORK_SHOWN = 5


@dataclass(frozen=True, slots=True)
class NextStep:
    """One thing the client should do next; `key` names it for tests and styling."""

    key: str
    title: str
    detail: str = ""
    href: str = ""
    link_text: str = ""
    extra_href: str = ""
    extra_text: str = ""


async def invite_home(request: web.Request) -> web.Response:
    engagement = await invited_engagement(request)
    if isinstance(engagement, web.Response):
        return engagement
    coach = await request.app[STORE].coach_by_id(engagement.coach_id)
    language = language_of(request, engagement.language.value)
    tz = client_zone(request)
    sessions = await overview(request, engagement, tz, language)
    context = {
        "engagement": engagement,
        "coach_name": coach.display_name if coach else "",
        "next_steps": await next_steps(request, engagement, sessions, language),
        **sessions,
    }
    context.update(await program_context(request, engagement, Role.CLIENT))
    context.update(
        role=Role.CLIENT.value,
        invite=engagement.invite_token,
        unread=await request.app[MESSAGES].unread(engagement, Role.CLIENT),
        notices=await request.app[NOTICES].in_app(engagement),
    )
    return await render(request, "client_home.html", context, language=engagement.language.value)


async def next_steps(
    request: web.Request, engagement: Engagement, sessions: dict[str, Any], language: str
) -> list[NextStep]:
    gettext, _n = newstyle(request.app[CATALOGS].get(language))
    base = f"/i/{engagement.invite_token}"
    steps: list[NextStep] = []
    upcoming = sessions["next_session"]
    if sessions["counts"].held == 0 and not await techcheck_done(request, engagement):
        steps.append(
            NextStep(
                "techcheck",
                gettext("First, test your camera, microphone and connection"),
                gettext("It takes two minutes. Do it before your first session."),
                f"{base}/check",
                gettext("Start the tech check"),
            )
        )
    if upcoming is not None:
        when = upcoming.when
        steps.append(
            NextStep(
                "next-session",
                gettext("Next session: %(day)s at %(time)s", day=when.day, time=when.time),
                gettext("At that time, open the video room. Your coach will meet you there."),
                f"{base}/room",
                gettext("Open the video room"),
                f"{base}/sessions.ics?session={upcoming.record.id}",
                gettext("Add to your calendar"),
            )
        )
    else:
        steps.append(
            NextStep("no-session", gettext("Your coach has not planned the next session yet."))
        )
    for text in await _homework_due(request, engagement):
        steps.append(
            NextStep(
                "homework",
                gettext("Homework: %(text)s", text=text),
                href=f"{base}/board",
                link_text=gettext("Open your goal board"),
            )
        )
    return steps


async def _homework_due(request: web.Request, engagement: Engagement) -> list[str]:
    """The client's open homework: due at the next session, or on a date still ahead."""
    board = (await request.app[BOARDS].snapshot(engagement)).state
    today = dt.datetime.fromtimestamp(request.app[CLOCK](), dt.UTC).date().isoformat()
    due = [
        item["text"]
        for item in board["homework"]
        if not item["done"]
        and item["owner"] == "client"
        and (item["due"] == NEXT_SESSION or item["due"] >= today)
    ]
    return due[:MAX_HOMEWORK_SHOWN]
