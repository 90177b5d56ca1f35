"""Tech-check reports: one JSON row per check, the newest few kept per engagement.

Pruning happens in the same transaction as the insert, so a client who runs the check in
a loop cannot grow the database without bound.
"""

from __future__ import annotations

import sqlite3

from rooms.errors import NotFound
from rooms.models import Role
from rooms.store.sqlite.base import SqliteBase
from rooms.techcheck import TECHCHECKS_KEPT, TechCheckReport

__all__ = ("TECHCHECKS_KEPT", "TechChecksMixin")

SCHEMA = """
CREATE TABLE IF NOT EXISTS techchecks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    role TEXT NOT NULL,
    created_at REAL NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS techchecks_engagement ON techchecks(engagement_id, id);
"""


class TechChecksMixin(SqliteBase):
    async def save_techcheck(self, report: TechCheckReport) -> None:
        try:
            async with self._tx() as db:
                await db.execute(
                    "INSERT INTO techchecks (engagement_id, role, created_at, report)"
                    " VALUES (?, ?, ?, ?)",
                    (
                        report.engagement_id,
                        report.role.value,
                        report.created_at,
                        report.to_record(),
                    ),
                )
                await db.execute(
                    "DELETE FROM techchecks WHERE engagement_id = ? AND id NOT IN"
                    " (SELECT id FROM techchecks WHERE engagement_id = ? ORDER BY id DESC LIMIT ?)",
                    (report.engagement_id, report.engagement_id, TECHCHECKS_KEPT),
                )
        except sqlite3.IntegrityError as exc:
            raise NotFound("No such engagement.") from exc

    async def latest_techcheck(
        self, engagement_id: str, role: Role = Role.CLIENT
    ) -> TechCheckReport | None:
        row = await self._one(
            "SELECT report FROM techchecks WHERE engagement_id = ? AND role = ?"
            " ORDER BY id DESC LIMIT 1",
            (engagement_id, role.value),
        )
        return TechCheckReport.from_record(engagement_id, row["report"]) if row else None

    async def techchecks_of(self, engagement_id: str) -> list[TechCheckReport]:
        rows = await self._all(
            "SELECT report FROM techchecks WHERE engagement_id = ? ORDER BY id DESC",
            (engagement_id,),
        )
        return [TechCheckReport.from_record(engagement_id, row["report"]) for row in rows]

    async def erase_techchecks(self, engagement_id: str) -> None:
        await self._erase_rows(engagement_id, "techchecks")
