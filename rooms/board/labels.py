"""Every label the board's exports show, in one table, as English msgids.

An export is read by people (a Norwegian client printing their goals), so no raw field
name or value (`program_months: 6`, `due next-session`) reaches it: each field, section and
value has a label here, translated through the reader's catalog. Exports that grow new
fields add their labels here, and `tests/test_export_labels.py` fails on a board field
without one. `_` only marks the msgids for scripts/messages.py; the export translates them.
"""

from __future__ import annotations

from typing import Protocol


def _(message: str) -> str:
    return message


class Translator(Protocol):
    """What an export needs of a catalog: babel's translations objects have it."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class English:
    """The msgids themselves, for callers without a catalog (tests, the JSON export)."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


FIELDS = {
    "agreement": {
        "program_goals": _("Program goals"),
        "program_months": _("Program length"),
        "cadence": _("How often"),
        "session_minutes": _("Session length"),
        "coach_expectations": _("What the client can expect from the coach"),
        "client_expectations": _("What the coach can expect from the client"),
        "confidentiality_ack": _("The client understands what confidentiality means"),
    },
    "goal": {
        "description": _("Description"),
        "why": _("Why it matters"),
        "success": _("How we will know it is reached"),
    },
    "review": {
        "celebration": _("What we celebrate"),
        "action_plan": _("The client's action plan from here"),
    },
}
HEADINGS = {
    "board": _("Goal board"),
    "version": _("Version %(number)s"),
    "agreement": _("Agreement"),
    "goals": _("Goals"),
    "homework": _("Homework"),
    "notes": _("Session notes"),
    "checkin": _("Mid-program check-in"),
    "review": _("Final review"),
    "private": _("Private notes (coach only)"),
    "history": _("History (coach only)"),
    "coaching_agreement": _("Coaching agreement"),
    "sessions": _("Sessions"),
}
VALUES = {
    "cadence": {
        "weekly": _("Every week"),
        "biweekly": _("Every two weeks"),
        "monthly": _("Every month"),
    },
    "status": {"active": _("Active"), "achieved": _("Achieved"), "dropped": _("Dropped")},
    "role": {"client": _("Client"), "coach": _("Coach")},
    "session_kind": {"video": _("Video"), "phone": _("Phone"), "in_person": _("In person")},
    "session_status": {
        "planned": _("Planned"),
        "held": _("Held"),
        "cancelled": _("Cancelled"),
        "missed": _("Missed"),
    },
    "op": {
        "set": _("changed"),
        "add": _("added"),
        "update": _("edited"),
        "remove": _("removed"),
        "tick": _("ticked"),
    },
}
YES_NO = {True: _("Yes"), False: _("No")}
PHRASES = {
    "target": _("target date %(date)s"),
    "due": _("due %(date)s"),
    "next_session": _("next session"),
    "progress": _("%(percent)s%% done"),
    "accepted": _("Version %(number)s, accepted on %(date)s by %(name)s."),
    "not_accepted": _("Not yet accepted."),
    "pending": _("Version %(number)s waits to be accepted."),
    "consent": _("Contact details may be shared with a certifying body: %(answer)s"),
}


def months(t: Translator, n: int) -> str:
    return t.ngettext("%(num)d month", "%(num)d months", n) % {"num": n}


def minutes(t: Translator, n: int) -> str:
    return t.ngettext("%(num)d minute sessions", "%(num)d minute sessions", n) % {"num": n}
