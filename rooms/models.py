"""Plain records that the store returns; immutable so a cached copy can never drift."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    NB = "nb"
    SV = "sv"
    NL = "nl"
    EN = "en"


class Role(StrEnum):
    COACH = "coach"
    CLIENT = "client"


class Cadence(StrEnum):
    """How often the pair meets; practitioners plan about two sessions a month."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def sessions_per_month(self) -> int:
        return {Cadence.WEEKLY: 4, Cadence.BIWEEKLY: 2, Cadence.MONTHLY: 1}[self]


# The program lengths and session lengths an engagement may have: the engagement form and
# the board's program section both offer exactly these (here, not in a service, so the
# board schema needs nothing that reaches the store).
PROGRAM_MONTHS = (3, 6, 12)
SESSION_MINUTES = (45, 60, 75, 90, 120)


class InviteState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Coach:
    id: str
    email: str
    display_name: str
    password_hash: str
    created_at: float
    time_zone: str = ""  # IANA name the coach plans and reads times in; "" = the server's
    language: str = ""  # the coach's e-mails are in it (their pages' language at login)
    mail_off: bool = False  # the coach turned their own notice e-mails off


@dataclass(frozen=True, slots=True)
class Engagement:
    id: str
    coach_id: str
    client_name: str
    language: Language
    program_months: int
    session_minutes: int
    cadence: Cadence
    invite_token: str
    invite_state: InviteState
    created_at: float

    @property
    def planned_sessions(self) -> int:
        return self.program_months * self.cadence.sessions_per_month


@dataclass(frozen=True, slots=True)
class LoginSession:
    coach_id: str
    csrf_token: str
    expires_at: float


class LinkPurpose(StrEnum):
    """What a one-time link lets its holder do; a link of one purpose never does the other."""

    SETUP = "setup"  # create a coach account
    RESET = "reset"  # set a new password for the coach with `email`


@dataclass(frozen=True, slots=True)
class SetupLink:
    """A one-time link that lets its holder create a coach account or reset a password."""

    email: str | None
    expires_at: float
    purpose: LinkPurpose = LinkPurpose.SETUP
