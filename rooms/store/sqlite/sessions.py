"""Session records and call reports.

A session is one JSON row keyed by (engagement, id) with its version in a column, so the
compare-and-set is one UPDATE ... WHERE version = ?. Call reports are counters per call
and side, incremented in one upsert. Erasure deletes the call log too: sessions are made
of calls, and an erased engagement keeps neither.
"""

from __future__ import annotations

from rooms.models import Role
from rooms.sessions.records import CallReport, MediaPath, QualityLevel, SessionRecord
from rooms.store.sqlite.base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    engagement_id TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (engagement_id, id)
);
CREATE TABLE IF NOT EXISTS call_reports (
    engagement_id TEXT NOT NULL,
    call_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    path TEXT NOT NULL,
    good INTEGER NOT NULL DEFAULT 0,
    fair INTEGER NOT NULL DEFAULT 0,
    poor INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (engagement_id, call_id, role)
);
"""


class SessionsMixin(SqliteBase):
    async def session_put(self, record: SessionRecord, expected_version: int) -> bool:
        if record.version != expected_version + 1:
            raise ValueError("a session write must advance the version by one")
        async with self._tx() as db:
            if expected_version == 0:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO sessions VALUES (?, ?, ?, ?)",
                    (record.engagement_id, record.id, record.version, record.to_record()),
                )
            else:
                cursor = await db.execute(
                    "UPDATE sessions SET version = ?, record = ?"
                    " WHERE engagement_id = ? AND id = ? AND version = ?",
                    (
                        record.version,
                        record.to_record(),
                        record.engagement_id,
                        record.id,
                        expected_version,
                    ),
                )
            return cursor.rowcount == 1

    async def session_get(self, engagement_id: str, session_id: str) -> SessionRecord | None:
        row = await self._one(
            "SELECT record FROM sessions WHERE engagement_id = ? AND id = ?",
            (engagement_id, session_id),
        )
        return SessionRecord.from_record(engagement_id, row["record"]) if row else None

    async def sessions_of(self, engagement_id: str) -> list[SessionRecord]:
        rows = await self._all(
            "SELECT record FROM sessions WHERE engagement_id = ?", (engagement_id,)
        )
        return [SessionRecord.from_record(engagement_id, row["record"]) for row in rows]

    async def call_report_add(
        self,
        engagement_id: str,
        call_id: int,
        role: Role,
        path: MediaPath,
        level: QualityLevel | None,
    ) -> None:
        counts = [int(level is q) for q in QualityLevel]
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO call_reports VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (engagement_id, call_id, role) DO UPDATE SET"
                " path = CASE WHEN excluded.path = 'unknown' THEN path ELSE excluded.path END,"
                " good = good + excluded.good, fair = fair + excluded.fair,"
                " poor = poor + excluded.poor",
                (engagement_id, call_id, role.value, path.value, *counts),
            )

    async def call_reports_of(self, engagement_id: str) -> list[CallReport]:
        rows = await self._all(
            "SELECT * FROM call_reports WHERE engagement_id = ? ORDER BY call_id, role",
            (engagement_id,),
        )
        return [
            CallReport(
                row["call_id"],
                Role(row["role"]),
                MediaPath(row["path"]),
                row["good"],
                row["fair"],
                row["poor"],
            )
            for row in rows
        ]

    async def erase_sessions(self, engagement_id: str) -> None:
        async with self._tx() as db:
            for table in ("sessions", "call_reports", "calls"):
                await db.execute(
                    f"DELETE FROM {table} WHERE engagement_id = ?",  # noqa: S608 (fixed names)
                    (engagement_id,),
                )
