"""Planning in people's own time: local dates and times in, UTC timestamps stored.

A coach thinks "every other Tuesday at 10:00"; across a daylight-saving change that is a
different UTC hour, so a series is stepped in the coach's time zone and each meeting
converted on its own. Everything stored is UTC; pages convert back for each viewer.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

from rooms import validation
from rooms.errors import InvalidInput
from rooms.sessions.records import SessionKind

ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")
SESSION_LENGTHS = (15, 30, 45, 60, 75, 90, 120)
EVERY_WEEKS = (1, 2, 4)
SERIES_MONTHS = (1, 2, 3, 4, 5, 6, 9, 12)
MAX_SERIES = 60
MAX_RECORDED_MINUTES = 240


def zone(value: object, field: str = "time_zone") -> zoneinfo.ZoneInfo:
    """An IANA zone name such as Europe/Oslo; anything else is refused by name."""
    if isinstance(value, str) and len(value) <= 64 and ZONE_NAME.match(value):
        try:
            return zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    raise InvalidInput("Choose a time zone such as Europe/Oslo.", field=field)


def local_moment(date_value: object, time_value: object, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """A date (YYYY-MM-DD) and a time (HH:MM) as the browser's date and time inputs send
    them, in `tz`. A time skipped by a daylight-saving change is moved forward by it."""
    try:
        day = dt.date.fromisoformat(str(date_value))
    except ValueError:
        raise InvalidInput("Enter a date.", field="date") from None
    text = str(time_value)
    if not re.fullmatch(r"\d{2}:\d{2}", text):
        raise InvalidInput("Enter a time.", field="time")
    try:
        clock = dt.time.fromisoformat(text)
    except ValueError:
        raise InvalidInput("Enter a time.", field="time") from None
    naive = dt.datetime.combine(day, clock)
    moment = naive.replace(tzinfo=tz)
    round_trip = moment.astimezone(dt.UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:  # inside a spring-forward gap
        moment = (naive + dt.timedelta(hours=1)).replace(tzinfo=tz)
    return moment


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError("unreachable")


def series(first: dt.datetime, every_weeks: int, months: int) -> list[dt.datetime]:
    """Meetings from `first` every `every_weeks` weeks, at the same local time, for
    `months` months (the day `months` later is not included)."""
    if first.tzinfo is None:
        raise ValueError("first must be aware")
    until = add_months(first.date(), months)
    moments: list[dt.datetime] = []
    day = first.date()
    while day < until and len(moments) < MAX_SERIES:
        naive = dt.datetime.combine(day, first.timetz().replace(tzinfo=None))
        moments.append(naive.replace(tzinfo=first.tzinfo))
        day += dt.timedelta(weeks=every_weeks)
    return moments


def utc(moment: dt.datetime) -> float:
    return moment.astimezone(dt.UTC).timestamp()


@dataclass(frozen=True, slots=True)
class SessionDraft:
    """One planned session from the engagement page's form, in the coach's zone."""

    start: float
    minutes: int
    kind: SessionKind

    @classmethod
    def parse(cls, data: Mapping[str, object], tz: zoneinfo.ZoneInfo) -> SessionDraft:
        moment = local_moment(data.get("date"), data.get("time"), tz)
        return cls(
            start=utc(moment),
            minutes=validation.integer_in(data.get("minutes", 60), "minutes", SESSION_LENGTHS),
            kind=validation.choice(data.get("kind", "video"), "kind", SessionKind),
        )


@dataclass(frozen=True, slots=True)
class SeriesDraft:
    starts: tuple[float, ...]
    minutes: int
    kind: SessionKind

    @classmethod
    def parse(cls, data: Mapping[str, object], tz: zoneinfo.ZoneInfo) -> SeriesDraft:
        first = local_moment(data.get("date"), data.get("time"), tz)
        every = validation.integer_in(data.get("every_weeks", 2), "every_weeks", EVERY_WEEKS)
        months = validation.integer_in(data.get("months", 6), "months", SERIES_MONTHS)
        return cls(
            starts=tuple(utc(m) for m in series(first, every, months)),
            minutes=validation.integer_in(data.get("minutes", 60), "minutes", SESSION_LENGTHS),
            kind=validation.choice(data.get("kind", "video"), "kind", SessionKind),
        )


@dataclass(frozen=True, slots=True)
class RecordedDraft:
    """A session held by phone or in person that the coach enters afterwards."""

    start: float
    minutes: int
    kind: SessionKind

    @classmethod
    def parse(cls, data: Mapping[str, object], tz: zoneinfo.ZoneInfo) -> RecordedDraft:
        moment = local_moment(data.get("date"), data.get("time"), tz)
        kind = validation.choice(data.get("kind", "phone"), "kind", SessionKind)
        if kind is SessionKind.VIDEO:
            raise InvalidInput(
                "Video sessions are counted from the room; record phone or in-person ones.",
                field="kind",
            )
        minutes = data.get("minutes")
        if isinstance(minutes, str) and minutes.strip().isdigit() and len(minutes.strip()) <= 4:
            number = int(minutes.strip())
            if 1 <= number <= MAX_RECORDED_MINUTES:
                return cls(utc(moment), number, kind)
        raise InvalidInput(
            "Enter the length in minutes, from 1 to %(max)s.",
            field="minutes",
            params={"max": MAX_RECORDED_MINUTES},
        )
