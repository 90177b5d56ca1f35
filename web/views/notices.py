"""The coach's notice settings for a client, and the client's one-click unsubscribe.

The unsubscribe link's token is its only credential: it can do nothing but stop the
e-mails, so it needs no login and no form token, and a mail client's one-click POST
(RFC 8058) works the same as the button on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from rooms.errors import InvalidInput
from rooms.models import Engagement
from rooms.notices import LogEntry
from web.auth import check_form_origin, require_coach
from web.dates import coach_zone, moment
from web.forms import read_form
from web.keys import ENGAGEMENTS, MAIL_ENABLED, NOTICES, STORE
from web.render import language_of, render


@dataclass(frozen=True, slots=True)
class ShownEntry:
    entry: LogEntry
    shown: str

    @property
    def kind(self) -> object:
        return self.entry.kind

    @property
    def outcome(self) -> object:
        return self.entry.outcome


async def notices_context(request: web.Request, engagement: Engagement) -> dict[str, object]:
    """The engagement page's notices card: the address, the log in the coach's zone."""
    notices = request.app[NOTICES]
    tz, language = coach_zone(request), language_of(request)
    shown = []
    for entry in await notices.log(engagement):
        when = moment(entry.at, tz, language)
        shown.append(ShownEntry(entry, f"{when.day} {when.time}"))
    return {
        "mail_enabled": request.app[MAIL_ENABLED],
        "coach_mail_off": require_coach(request).mail_off,
        "contact": await notices.contact(engagement),
        "contact_state": request.query.get("contact", ""),
        "notice_log": shown,
    }


async def set_contact(request: web.Request) -> web.StreamResponse:
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    engagement = await request.app[ENGAGEMENTS].get(coach.id, request.match_info["id"])
    try:
        await request.app[NOTICES].set_address(engagement, form.get("client_email"))
    except InvalidInput:
        raise web.HTTPSeeOther(
            location=f"/engagements/{engagement.id}?contact=invalid#notices"
        ) from None
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}?contact=saved#notices")


async def set_coach_mail(request: web.Request) -> web.StreamResponse:
    """The coach's own notice e-mails, on or off for all their clients (the link in each
    of those e-mails leads here, to the engagement page's notices card)."""
    coach = require_coach(request)
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    engagement = await request.app[ENGAGEMENTS].get(coach.id, str(form.get("engagement", "")))
    await request.app[STORE].set_coach_mail_off(coach.id, form.get("mail_off") == "1")
    raise web.HTTPSeeOther(location=f"/engagements/{engagement.id}#notices")


async def unsubscribe_form(request: web.Request) -> web.Response:
    return await render(
        request, "unsubscribe.html", {"token": request.match_info["token"], "done": False}
    )


async def unsubscribe(request: web.Request) -> web.Response:
    done = await request.app[NOTICES].opt_out(request.match_info["token"])
    status = 200 if done else 404
    return await render(request, "unsubscribe.html", {"token": "", "done": done}, status=status)
