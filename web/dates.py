"""Times as people read them: a UTC timestamp shown in the viewer's zone and language.

The zone is the coach's own setting on coach pages; on the client's pages it is the
browser's (page.js puts `Intl`'s zone in the `tandem_tz` cookie), and until the browser
has said, the server's default. Formats come from Babel's locale data: the weekday in
full, then the locale's own order of day and month, and its short time.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from functools import cache

from aiohttp import web
from babel import Locale
from babel.dates import format_datetime

from rooms.errors import InvalidInput
from rooms.sessions.schedule import zone
from web.auth import current_coach
from web.keys import WEB_SETTINGS

ZONE_COOKIE = "tandem_tz"


@cache
def _day_pattern(language: str) -> str:
    skeleton = Locale.parse(language).datetime_skeletons["MMMMEd"]
    return re.sub(r"E+", "EEEE", str(getattr(skeleton, "pattern", skeleton)))


@dataclass(frozen=True, slots=True)
class Moment:
    """One instant as one viewer reads it."""

    day: str  # "Tuesday, January 14" / "tirsdag 14 januar"
    time: str  # "10:00 AM" / "10:00"
    date_value: str  # YYYY-MM-DD for <input type=date>
    time_value: str  # HH:MM for <input type=time>
    iso: str  # for <time datetime>


def moment(timestamp: float, tz: zoneinfo.ZoneInfo, language: str) -> Moment:
    local = dt.datetime.fromtimestamp(timestamp, dt.UTC).astimezone(tz)
    return Moment(
        day=format_datetime(local, _day_pattern(language), tzinfo=tz, locale=language),
        time=_time(local, tz, language),
        date_value=local.date().isoformat(),
        time_value=local.strftime("%H:%M"),
        iso=local.isoformat(),
    )


def _time(local: dt.datetime, tz: zoneinfo.ZoneInfo, language: str) -> str:
    pattern = str(Locale.parse(language).time_formats["short"].pattern)
    return format_datetime(local, pattern, tzinfo=tz, locale=language)


def browser_zone(request: web.Request) -> str:
    """The zone the browser reported, or "" when it has not (or sent nonsense)."""
    raw = request.cookies.get(ZONE_COOKIE, "")
    try:
        zone(raw)
    except InvalidInput:
        return ""
    return raw


def client_zone(request: web.Request) -> zoneinfo.ZoneInfo:
    return zone(browser_zone(request) or request.app[WEB_SETTINGS].time_zone)


def coach_zone_name(request: web.Request) -> str:
    """The coach's own setting; until they choose one, their browser's, then the server's."""
    coach = current_coach(request)
    if coach is not None and coach.time_zone:
        return coach.time_zone
    return browser_zone(request) or request.app[WEB_SETTINGS].time_zone


def coach_zone(request: web.Request) -> zoneinfo.ZoneInfo:
    return zone(coach_zone_name(request))


COMMON_ZONES = (
    "Europe/Oslo",
    "Europe/Stockholm",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Lisbon",
    "Atlantic/Reykjavik",
    "UTC",
)


def zone_choices(current: str) -> list[str]:
    """The zones this field's coaches live in, and the current one if it is elsewhere."""
    return list(COMMON_ZONES) if current in COMMON_ZONES else [current, *COMMON_ZONES]
