"""A notice is a content-free e-mail (or, without SMTP, a line in the app) about something
that happened or is coming: a session reminder, a nudge after a quiet spell.

Each notice has a `key` that names its occasion (`reminder-24h:<session>:<start>`,
`nudge:<last visit>`, `homework:<due day>`), so planning it again changes nothing and
moving a session plans a new one; the old one finds its occasion gone when it comes due
and is dropped. The log keeps only the kind, the time and the outcome: never session
content, notes, goals, homework or message text, and not the address either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum


class NoticeKind(StrEnum):
    REMINDER_24H = "reminder-24h"
    REMINDER_1H = "reminder-1h"
    NUDGE = "nudge"
    MESSAGE = "message"  # the coach wrote; batched after a quiet delay
    HOMEWORK = "homework"  # the client's homework is due tomorrow (never its text)
    # To the coach, at their own address, in their language:
    COACH_REMINDER_24H = "coach-reminder-24h"
    COACH_REMINDER_1H = "coach-reminder-1h"
    COACH_MESSAGE = "coach-message"  # the client wrote; batched after the same quiet delay

    @property
    def to_coach(self) -> bool:
        return self.value.startswith("coach-")


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    OPTED_OUT = "opted-out"
    NO_ADDRESS = "no-address"
    IN_APP = "in-app"  # no SMTP configured: shown on the client's home only


@dataclass(frozen=True, slots=True)
class Notice:
    engagement_id: str
    key: str
    kind: NoticeKind
    due_at: float
    session_id: str = ""

    def to_record(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "kind": self.kind.value,
                "due_at": self.due_at,
                "session": self.session_id,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_record(cls, engagement_id: str, raw: str) -> Notice:
        data = json.loads(raw)
        return cls(
            engagement_id,
            data["key"],
            NoticeKind(data["kind"]),
            float(data["due_at"]),
            data["session"],
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: float
    kind: NoticeKind
    outcome: Outcome

    def to_record(self) -> str:
        return json.dumps({"at": self.at, "kind": self.kind.value, "outcome": self.outcome.value})

    @classmethod
    def from_record(cls, raw: str) -> LogEntry:
        data = json.loads(raw)
        return cls(float(data["at"]), NoticeKind(data["kind"]), Outcome(data["outcome"]))


@dataclass(frozen=True, slots=True)
class Contact:
    """The client's address as the coach entered it; `token` is the unsubscribe link's."""

    email: str
    opted_out: bool
    token: str
