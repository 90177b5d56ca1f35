"""Calendar files (RFC 5545) for one session or the whole program, with `icalendar`.

Each session keeps one UID for its life and a SEQUENCE that grows with every move or
cancellation, so a calendar that imported the file before updates the same event instead
of adding a second one. Times are written in UTC (the `Z` form): every calendar shows
them in its owner's zone, which is what two people in two zones need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar

from rooms.sessions.records import SessionRecord, SessionStatus

PRODID = "-//Tandem//Coaching sessions//EN"


@dataclass(frozen=True, slots=True)
class EventText:
    """What the event says, already in the reader's language."""

    summary: str
    description: str
    location: str


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def calendar(sessions: Iterable[SessionRecord], text: EventText, stamp: float) -> bytes:
    """Only sessions with a planned time become events; cancelled ones are sent as
    cancelled so a calendar that has them removes them."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    for session in sessions:
        if session.planned_start is None:
            continue
        event = icalendar.Event()
        event.add("uid", session.uid)
        event.add("sequence", session.sequence)
        event.add("dtstamp", _utc(stamp))
        event.add("dtstart", _utc(session.planned_start))
        event.add("dtend", _utc(session.planned_start + session.minutes * 60))
        event.add("summary", text.summary)
        event.add("description", text.description)
        event.add("location", text.location)
        event.add("url", text.location)
        cancelled = session.status is SessionStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
