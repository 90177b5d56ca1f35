"""Sessions: the program's backbone (planned, honestly counted, recapped without recording).

records   the session record, call reports (media path, quality)
rules     sittings, the held rule, missed, counts ("Session n of m")
schedule  local dates and times in the coach's zone, series, form drafts
ics       calendar files with a stable UID and a growing SEQUENCE
recap     the board changes and agenda times of a held session
"""

from __future__ import annotations

from rooms.sessions.records import (
    CallReport,
    MediaPath,
    QualityLevel,
    SessionKind,
    SessionRecord,
    SessionStatus,
)
from rooms.sessions.rules import Counts, HeldPolicy

__all__ = (
    "CallReport",
    "Counts",
    "HeldPolicy",
    "MediaPath",
    "QualityLevel",
    "SessionKind",
    "SessionRecord",
    "SessionStatus",
)
