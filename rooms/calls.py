"""The session log: every call as metadata only (start, end, duration, practice or real).

A call starts when both seats are taken and ends when one person leaves for good; a
reload or a network change in between (the seat is "reconnecting") does not end it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CallKind(StrEnum):
    REAL = "real"
    PRACTICE = "practice"


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: int
    engagement_id: str
    kind: CallKind
    started_at: float
    ended_at: float | None

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at
