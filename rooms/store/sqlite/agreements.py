"""Agreement versions: one row per numbered version, the newest replaced only by
compare-and-set inside one transaction."""

from __future__ import annotations

import json
import sqlite3

from rooms.agreement import AgreementVersion
from rooms.errors import NotFound
from rooms.models import Role
from rooms.store.sqlite.base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS agreement_versions (
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    accepted_at REAL,
    accepted_by TEXT,
    accepted_name TEXT NOT NULL,
    consent_contact INTEGER NOT NULL,
    goals TEXT NOT NULL,
    PRIMARY KEY (engagement_id, number)
);
"""

NEWEST = "SELECT * FROM agreement_versions WHERE engagement_id = ? ORDER BY number DESC LIMIT 1"


def _version(row: sqlite3.Row) -> AgreementVersion:
    return AgreementVersion(
        number=row["number"],
        text=row["text"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        accepted_at=row["accepted_at"],
        accepted_by=Role(row["accepted_by"]) if row["accepted_by"] else None,
        accepted_name=row["accepted_name"],
        consent_contact=bool(row["consent_contact"]),
        goals=tuple(json.loads(row["goals"])),
    )


class AgreementsMixin(SqliteBase):
    async def agreement_versions(self, engagement_id: str) -> list[AgreementVersion]:
        rows = await self._all(
            "SELECT * FROM agreement_versions WHERE engagement_id = ? ORDER BY number",
            (engagement_id,),
        )
        return [_version(row) for row in rows]

    async def agreement_write(
        self, engagement_id: str, expected: AgreementVersion | None, version: AgreementVersion
    ) -> bool:
        v = version
        async with self._tx() as db:
            async with db.execute("SELECT 1 FROM engagements WHERE id = ?", (engagement_id,)) as c:
                if await c.fetchone() is None:
                    raise NotFound("No such engagement.")
            async with db.execute(NEWEST, (engagement_id,)) as cursor:
                row = await cursor.fetchone()
            if (_version(row) if row else None) != expected:
                return False
            await db.execute(
                "INSERT OR REPLACE INTO agreement_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    engagement_id,
                    v.number,
                    v.text,
                    v.created_at,
                    v.updated_at,
                    v.accepted_at,
                    v.accepted_by.value if v.accepted_by else None,
                    v.accepted_name,
                    int(v.consent_contact),
                    json.dumps(list(v.goals), ensure_ascii=False),
                ),
            )
        return True

    async def erase_agreements(self, engagement_id: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "DELETE FROM agreement_versions WHERE engagement_id = ?", (engagement_id,)
            )
