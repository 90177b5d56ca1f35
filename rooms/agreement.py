"""The coaching agreement as a versioned document both people can point to.

The coach starts from a template in the client's language (rooms/agreement_templates.py)
and edits it; the client reads it on their own page and accepts one numbered version.
While the newest version is not accepted yet, the coach's edits replace its text (the
client has agreed to nothing); once it is accepted, any change makes the next number,
which needs accepting again. The client accepts the text they read: the page sends the
digest of what it showed, so an edit made while they were reading is never accepted
unseen.

Accepting also keeps the goals as they stood then, so the check-in and the final review
can show what was agreed beside what the goals became.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from rooms import validation
from rooms.errors import Conflict, Forbidden, InvalidInput, NotFound
from rooms.models import Role
from rooms.tokens import digest

MAX_TEXT = 20_000
MAX_ATTEMPTS = 8
AGREED_GOAL_FIELDS = ("id", "title", "description", "success", "status", "progress", "parent")


@dataclass(frozen=True, slots=True)
class AgreementVersion:
    """`goals` is the board's goals at the moment of acceptance (empty before)."""

    number: int
    text: str
    created_at: float
    updated_at: float
    accepted_at: float | None = None
    accepted_by: Role | None = None
    accepted_name: str = ""
    consent_contact: bool = False
    goals: tuple[dict[str, Any], ...] = ()

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def digest(self) -> str:
        return digest(self.text)

    def to_json(self) -> str:
        """Canonical (sorted keys, exact floats): the Redis backend compares stored strings."""
        return json.dumps(
            {
                "number": self.number,
                "text": self.text,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
                "accepted_at": self.accepted_at,
                "accepted_by": self.accepted_by.value if self.accepted_by else None,
                "accepted_name": self.accepted_name,
                "consent_contact": self.consent_contact,
                "goals": list(self.goals),
            },
            sort_keys=True,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> AgreementVersion:
        data = json.loads(raw)
        return cls(
            number=int(data["number"]),
            text=data["text"],
            created_at=float(data["created_at"]),
            updated_at=float(data["updated_at"]),
            accepted_at=None if data["accepted_at"] is None else float(data["accepted_at"]),
            accepted_by=Role(data["accepted_by"]) if data["accepted_by"] else None,
            accepted_name=data["accepted_name"],
            consent_contact=bool(data["consent_contact"]),
            goals=tuple(data["goals"]),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "accepted_at": self.accepted_at,
            "accepted_by": self.accepted_by.value if self.accepted_by else None,
            "consent_contact": self.consent_contact,
            "goals_as_agreed": list(self.goals),
        }


@dataclass(frozen=True, slots=True)
class AgreementStatus:
    """What the board, the room and the exports say: the version in force (the newest
    accepted one) and whether a newer one waits for the client."""

    accepted: AgreementVersion | None
    pending: AgreementVersion | None

    @classmethod
    def of(cls, versions: list[AgreementVersion]) -> AgreementStatus:
        accepted = next((v for v in reversed(versions) if v.accepted), None)
        newest = versions[-1] if versions else None
        pending = newest if newest is not None and not newest.accepted else None
        return cls(accepted, pending)


def clean_text(value: object) -> str:
    text = validation.text(value, "text", max_len=MAX_TEXT)
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))


def edited(newest: AgreementVersion | None, text: str, now: float) -> AgreementVersion:
    """The version to store for the coach's `text`; `newest` itself when nothing changed."""
    if newest is None:
        return AgreementVersion(1, text, now, now)
    if newest.text == text:
        return newest
    if not newest.accepted:
        return replace(newest, text=text, updated_at=now)
    return AgreementVersion(newest.number + 1, text, now, now)


def agreed_goals(board: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    return tuple({key: goal.get(key) for key in AGREED_GOAL_FIELDS} for goal in board["goals"])


def accepted(
    newest: AgreementVersion | None,
    number: object,
    text_digest: object,
    *,
    now: float,
    name: str,
    consent: bool,
    board: dict[str, Any],
) -> AgreementVersion:
    """The accepted copy of `newest`, or `newest` itself when it already was; raises when
    the client did not read the newest text."""
    if newest is None:
        raise NotFound("There is no agreement to accept yet.")
    if not isinstance(number, int) or isinstance(number, bool):
        raise InvalidInput("Expected a version number.", field="version")
    if number != newest.number or text_digest != newest.digest:
        raise Conflict("The agreement was changed while you read it. Read it again, then accept.")
    if newest.accepted:
        return newest
    return replace(
        newest,
        accepted_at=now,
        accepted_by=Role.CLIENT,
        accepted_name=name,
        consent_contact=consent,
        goals=agreed_goals(board),
    )


def only(role: Role, allowed: Role, message: str) -> None:
    if role is not allowed:
        raise Forbidden(message)
