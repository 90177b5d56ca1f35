"""Room rehearsals: one row per rehearsal, merged in place as its page reports progress.

The merge (union of the steps) and the pruning to REHEARSALS_KEPT happen in one
transaction, so two reports of one rehearsal cannot lose a step, and a client who
rehearses in a loop cannot grow the database without bound.
"""

from __future__ import annotations

import sqlite3

from rooms.errors import NotFound
from rooms.rehearsal import REHEARSALS_KEPT, Rehearsal, RehearsalReport, RehearsalStep, ordered
from rooms.store.sqlite.base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS rehearsals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    rehearsal_id TEXT NOT NULL,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    offered TEXT NOT NULL,
    done TEXT NOT NULL,
    UNIQUE (engagement_id, rehearsal_id)
);
"""


def _steps(value: str) -> frozenset[RehearsalStep]:
    return frozenset(RehearsalStep(step) for step in value.split(",") if step)


def _join(steps: frozenset[RehearsalStep]) -> str:
    return ",".join(ordered(steps))


def _rehearsal(engagement_id: str, row: sqlite3.Row) -> Rehearsal:
    return Rehearsal(
        engagement_id,
        row["rehearsal_id"],
        row["started_at"],
        row["updated_at"],
        _steps(row["offered"]),
        _steps(row["done"]),
    )


class RehearsalsMixin(SqliteBase):
    async def record_rehearsal(
        self, engagement_id: str, report: RehearsalReport, now: float
    ) -> Rehearsal:
        key = (engagement_id, report.rehearsal_id)
        try:
            async with self._tx() as db:
                async with db.execute(
                    "SELECT * FROM rehearsals WHERE engagement_id = ? AND rehearsal_id = ?", key
                ) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    record = Rehearsal(*key, now, now, report.offered, report.done)
                    await db.execute(
                        "INSERT INTO rehearsals (engagement_id, rehearsal_id, started_at,"
                        " updated_at, offered, done) VALUES (?, ?, ?, ?, ?, ?)",
                        (*key, now, now, _join(record.offered), _join(record.done)),
                    )
                    await db.execute(
                        "DELETE FROM rehearsals WHERE engagement_id = ? AND seq NOT IN"
                        " (SELECT seq FROM rehearsals WHERE engagement_id = ?"
                        " ORDER BY started_at DESC, seq DESC LIMIT ?)",
                        (engagement_id, engagement_id, REHEARSALS_KEPT),
                    )
                    return record
                old = _rehearsal(engagement_id, row)
                record = Rehearsal(
                    *key, old.started_at, now, old.offered | report.offered, old.done | report.done
                )
                await db.execute(
                    "UPDATE rehearsals SET updated_at = ?, offered = ?, done = ?"
                    " WHERE engagement_id = ? AND rehearsal_id = ?",
                    (now, _join(record.offered), _join(record.done), *key),
                )
                return record
        except sqlite3.IntegrityError as exc:
            raise NotFound("No such engagement.") from exc

    async def rehearsals_of(self, engagement_id: str) -> list[Rehearsal]:
        rows = await self._all(
            "SELECT * FROM rehearsals WHERE engagement_id = ? ORDER BY started_at DESC, seq DESC",
            (engagement_id,),
        )
        return [_rehearsal(engagement_id, row) for row in rows]

    async def erase_rehearsals(self, engagement_id: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM rehearsals WHERE engagement_id = ?", (engagement_id,))
