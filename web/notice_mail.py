"""The e-mail of a notice, in the client's language.

A notice says what happened or is coming and links to the client's page; it never holds
session content, notes, goals or message text. A reminder carries the session's .ics
(its time and the room's link only). Every notice has a one-click unsubscribe link,
also as List-Unsubscribe headers (RFC 8058).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from babel.dates import format_date, format_time

from rooms.notice_service import Occasion
from rooms.notices import NoticeKind
from rooms.sessions import SessionRecord
from rooms.sessions.ics import EventText, calendar
from web.i18n import DEFAULT_LANGUAGE, Catalogs


@dataclass(frozen=True, slots=True)
class MailContext:
    base_url: str
    catalogs: Catalogs
    zone: zoneinfo.ZoneInfo
    now: float


def compose(occasion: Occasion, context: MailContext) -> EmailMessage:
    if occasion.notice.kind.to_coach:
        return _to_coach(occasion, context)
    engagement, contact = occasion.engagement, occasion.contact
    assert contact is not None and contact.email
    language = engagement.language.value
    _ = context.catalogs.get(language).gettext
    page = f"{context.base_url}/i/{engagement.invite_token}"
    unsubscribe = f"{context.base_url}/u/{contact.token}"
    session = occasion.session
    if occasion.notice.kind is NoticeKind.MESSAGE:
        subject = _("You have a new message from your coach")
        lead = _("Your coach wrote to you in Tandem. Open your page to read it and reply.")
    elif occasion.notice.kind is NoticeKind.HOMEWORK:
        day = format_date(dt.date.fromisoformat(occasion.day), format="full", locale=language)
        subject = _("Reminder: you have homework due tomorrow")
        lead = _(
            "You have homework from your coaching that is due on %(day)s. Open your page to see it."
        ) % {"day": day}
    elif occasion.notice.kind is NoticeKind.NUDGE:
        subject = _("Your coach would like to hear from you")
        lead = _(
            "It has been a while since your last visit. Open your page to see what is next, "
            "or write to your coach there."
        )
    else:
        assert session is not None and session.planned_start is not None
        shown = _when(session, context, language)
        if occasion.notice.kind is NoticeKind.REMINDER_24H:
            subject = _("Reminder: your coaching session is tomorrow")
            lead = _("Your next coaching session is on %(when)s.") % {"when": shown}
        else:
            subject = _("Your coaching session starts in an hour")
            lead = _("Your coaching session starts at %(when)s.") % {"when": shown}
    body = "\n\n".join(
        (
            _("Hello %(name)s,") % {"name": engagement.client_name},
            lead,
            _("Open your page: %(link)s") % {"link": page},
            _(
                "You get this e-mail because your coach entered your address in Tandem. "
                "To get no more e-mails: %(link)s"
            )
            % {"link": unsubscribe},
        )
    )
    message = EmailMessage()
    message["To"] = contact.email
    message["Subject"] = subject
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Content-Language"] = language
    message.set_content(body)
    if session is not None:
        _attach_ics(message, session, f"{page}/room", _, context)
    return message


def _when(session: SessionRecord, context: MailContext, language: str) -> str:
    assert session.planned_start is not None
    local = dt.datetime.fromtimestamp(session.planned_start, dt.UTC).astimezone(context.zone)
    day = format_date(local, format="full", locale=language)
    return f"{day} {format_time(local, format='short', locale=language)}"


def _attach_ics(
    message: EmailMessage,
    session: SessionRecord,
    room: str,
    _: Callable[[str], str],
    context: MailContext,
) -> None:
    text = EventText(
        _("Coaching session"), _("Open the video room: %(link)s") % {"link": room}, room
    )
    ics = calendar([session], text, context.now)
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="session.ics")


def _to_coach(occasion: Occasion, context: MailContext) -> EmailMessage:
    """The coach's own notice: what happened, with the client's first name so a coach of
    several can tell them apart, and a link to the engagement page; never the message."""
    engagement, coach, session = occasion.engagement, occasion.coach, occasion.session
    assert coach is not None
    language = coach.language or DEFAULT_LANGUAGE
    _ = context.catalogs.get(language).gettext
    page = f"{context.base_url}/engagements/{engagement.id}"
    names = {"client": engagement.client_name}
    if occasion.notice.kind is NoticeKind.COACH_MESSAGE:
        subject = _("A client wrote to you in Tandem")
        lead = _("%(client)s wrote to you. Open the engagement to read it and reply.") % names
    else:
        assert session is not None
        when = {**names, "when": _when(session, context, language)}
        if occasion.notice.kind is NoticeKind.COACH_REMINDER_24H:
            subject = _("Reminder: you have a coaching session tomorrow")
        else:
            subject = _("Your coaching session starts in an hour")
        lead = _("Your session with %(client)s is on %(when)s.") % when
    body = "\n\n".join(
        (
            _("Hello %(name)s,") % {"name": coach.display_name},
            lead,
            _("Open the engagement: %(link)s") % {"link": page},
            _(
                "You get this e-mail as the coach of this engagement in Tandem. To get no "
                "more: %(link)s"
            )
            % {"link": f"{page}#notices"},
        )
    )
    message = EmailMessage()
    message["To"] = coach.email
    message["Subject"] = subject
    message["Content-Language"] = language
    message.set_content(body)
    if session is not None:
        _attach_ics(message, session, f"{page}/room", _, context)
    return message
