"""Closing, erasure claims and the erasure log.

The erasure log has no engagement id column on purpose: after an erasure nothing in the
database may point at the engagement, not even the record that it was erased.
"""

from __future__ import annotations

from rooms.errors import NotFound
from rooms.lifecycle import ErasureReason, ErasureRecord
from rooms.store.sqlite.base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS closed_engagements (
    engagement_id TEXT PRIMARY KEY REFERENCES engagements(id),
    closed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS closed_engagements_at ON closed_engagements(closed_at);
CREATE TABLE IF NOT EXISTS erasure_claims (
    engagement_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS erasures (
    id TEXT PRIMARY KEY,
    erased_at REAL NOT NULL,
    reason TEXT NOT NULL,
    coach_id TEXT NOT NULL
);
"""


class LifecycleMixin(SqliteBase):
    async def close_engagement(self, engagement_id: str, now: float) -> float:
        async with self._tx() as db:
            async with db.execute("SELECT 1 FROM engagements WHERE id = ?", (engagement_id,)) as c:
                if await c.fetchone() is None:
                    raise NotFound("No such engagement.")
            await db.execute(
                "INSERT OR IGNORE INTO closed_engagements VALUES (?, ?)", (engagement_id, now)
            )
            async with db.execute(
                "SELECT closed_at FROM closed_engagements WHERE engagement_id = ?",
                (engagement_id,),
            ) as cursor:
                row = await cursor.fetchone()
        return float(row["closed_at"]) if row else now

    async def closed_at(self, engagement_id: str) -> float | None:
        row = await self._one(
            "SELECT closed_at FROM closed_engagements WHERE engagement_id = ?", (engagement_id,)
        )
        return float(row["closed_at"]) if row else None

    async def closed_before(self, cutoff: float) -> list[str]:
        rows = await self._all(
            "SELECT engagement_id FROM closed_engagements WHERE closed_at <= ? ORDER BY closed_at",
            (cutoff,),
        )
        return [row["engagement_id"] for row in rows]

    async def claim_erasure(self, engagement_id: str, owner: str, now: float, ttl: float) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT INTO erasure_claims VALUES (?, ?, ?) ON CONFLICT (engagement_id)"
                " DO UPDATE SET owner = excluded.owner, until = excluded.until"
                " WHERE erasure_claims.until <= ?",
                (engagement_id, owner, now + ttl, now),
            )
            return cursor.rowcount == 1

    async def record_erasure(self, record: ErasureRecord) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT OR IGNORE INTO erasures VALUES (?, ?, ?, ?)",
                (record.id, record.erased_at, record.reason.value, record.coach_id),
            )

    async def erasures(self) -> list[ErasureRecord]:
        rows = await self._all("SELECT * FROM erasures ORDER BY erased_at, id")
        return [
            ErasureRecord(
                row["id"], row["erased_at"], ErasureReason(row["reason"]), row["coach_id"]
            )
            for row in rows
        ]

    async def erase_lifecycle(self, engagement_id: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "DELETE FROM closed_engagements WHERE engagement_id = ?", (engagement_id,)
            )
            await db.execute("DELETE FROM erasure_claims WHERE engagement_id = ?", (engagement_id,))
