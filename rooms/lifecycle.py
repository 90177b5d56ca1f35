"""A program's end: closing it, keeping it for a while, then erasing all of it.

    open ──close──▶ closed (read-only for both; the invite opens the final export)
                      │  after the retention period, or "erase now"
                      ▼
                   erased (nothing left but a content-free line in the erasure log)

The erasure log says that an erasure happened, when, why and for which coach, and nothing
else: not the engagement's id, not the client's name, so the log itself leaks nothing
about the person whose data was erased.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

DAY = 86_400.0
CLAIM_SECONDS = 600.0  # a claim outlives any erasure; a crashed eraser's claim then lapses


class ErasureReason(StrEnum):
    REQUEST = "request"  # "erase now": the client's right to erasure, or the coach's choice
    RETENTION = "retention"  # the retention period after closing ran out
    COACH_REMOVED = "coach-removed"  # the coach's account was removed with its engagements


@dataclass(frozen=True, slots=True)
class ErasureRecord:
    id: str
    erased_at: float
    reason: ErasureReason
    coach_id: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "erased_at": self.erased_at,
                "reason": self.reason.value,
                "coach_id": self.coach_id,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: str) -> ErasureRecord:
        data = json.loads(raw)
        return cls(
            data["id"], float(data["erased_at"]), ErasureReason(data["reason"]), data["coach_id"]
        )


def erase_after(closed_at: float, retention_days: int) -> float:
    return closed_at + retention_days * DAY


def retention_cutoff(now: float, retention_days: int) -> float:
    """Engagements closed at or before this moment are due for erasure."""
    return now - retention_days * DAY
