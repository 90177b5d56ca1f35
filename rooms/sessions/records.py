"""The session record: the one unit every count, page, calendar file and recap uses.

A session is one planned or held meeting of an engagement. Video sessions are made up of
the calls of one sitting (a reload, a drop or a leave-and-rejoin makes a new call, not a
new session); phone and in-person sessions are recorded by the coach with their length.
Records are immutable and carry a `version` the store compares on every write, so a
coach moving a session and a call closing in another process cannot overwrite each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from rooms.models import Role


class SessionKind(StrEnum):
    VIDEO = "video"
    PHONE = "phone"
    IN_PERSON = "in_person"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """`planned_start` is a UTC timestamp, None for a sitting nobody planned. `minutes` is
    the planned length (or, for a session recorded by the coach, the length held).
    `corrected` means the coach set the status by hand: the automatic rules leave it."""

    id: str
    engagement_id: str
    kind: SessionKind
    status: SessionStatus
    planned_start: float | None
    minutes: int
    created_at: float
    version: int = 1
    sequence: int = 0
    series: str | None = None
    calls: tuple[int, ...] = ()
    together_seconds: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    corrected: bool = False
    recap: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def uid(self) -> str:
        """The iCalendar UID: stable for the life of the session, whatever is moved."""
        return f"{self.id}@tandem"

    @property
    def planned_end(self) -> float | None:
        return None if self.planned_start is None else self.planned_start + self.minutes * 60

    @property
    def start(self) -> float:
        """When it happened or is to happen, for ordering."""
        if self.started_at is not None:
            return self.started_at
        return self.planned_start if self.planned_start is not None else self.created_at

    def next_version(self, **changes: Any) -> SessionRecord:
        return replace(self, version=self.version + 1, **changes)

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "status": self.status.value,
            "planned_start": self.planned_start,
            "minutes": self.minutes,
            "created_at": self.created_at,
            "version": self.version,
            "sequence": self.sequence,
            "series": self.series,
            "calls": list(self.calls),
            "together_seconds": self.together_seconds,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "corrected": self.corrected,
            "recap": self.recap,
        }

    def to_record(self) -> str:
        return json.dumps(self.to_wire(), separators=(",", ":"))

    @classmethod
    def from_record(cls, engagement_id: str, record: str) -> SessionRecord:
        data = json.loads(record)
        return cls(
            id=data["id"],
            engagement_id=engagement_id,
            kind=SessionKind(data["kind"]),
            status=SessionStatus(data["status"]),
            planned_start=data["planned_start"],
            minutes=int(data["minutes"]),
            created_at=float(data["created_at"]),
            version=int(data["version"]),
            sequence=int(data["sequence"]),
            series=data["series"],
            calls=tuple(int(c) for c in data["calls"]),
            together_seconds=float(data["together_seconds"]),
            started_at=data["started_at"],
            ended_at=data["ended_at"],
            corrected=bool(data["corrected"]),
            recap=data["recap"],
        )


class QualityLevel(StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class MediaPath(StrEnum):
    """How a call's media travelled, as the browser's selected candidate pair says."""

    DIRECT = "direct"  # host or STUN (reflexive) candidates: peer to peer
    RELAY = "relay"  # through TURN
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CallReport:
    """What one side's page reported about one call: the media path and how many quality
    readings were good, fair or poor (the page reads its stats every few seconds)."""

    call_id: int
    role: Role
    path: MediaPath
    good: int = 0
    fair: int = 0
    poor: int = 0

    @property
    def samples(self) -> int:
        return self.good + self.fair + self.poor

    @property
    def summary(self) -> QualityLevel | None:
        """Poor when a fifth of the readings were poor, fair when a fifth were at most
        fair: a call that was bad for a few minutes of an hour was still a bad call."""
        if not self.samples:
            return None
        if self.poor * 5 >= self.samples:
            return QualityLevel.POOR
        if (self.poor + self.fair) * 5 >= self.samples:
            return QualityLevel.FAIR
        return QualityLevel.GOOD
