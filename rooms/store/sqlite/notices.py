"""The notice due-queue, its log and the client's address.

One process serves a SQLite store, and each method is one transaction, so a claim (read
the due rows, push their due time out by the lease) cannot interleave with another.
`due_at` is when the notice was planned for, `next_at` when it may next be claimed. A
finished notice keeps its row with `done = 1`, so planning the same occasion again
finds it and queues nothing.
"""

from __future__ import annotations

from rooms.notices import Contact, LogEntry, Notice, NoticeKind
from rooms.store.sqlite.base import SqliteBase
from rooms.tokens import digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS notices (
    engagement_id TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at REAL NOT NULL,
    next_at REAL NOT NULL,
    session_id TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (engagement_id, key)
);
CREATE INDEX IF NOT EXISTS notices_next ON notices (done, next_at);
CREATE TABLE IF NOT EXISTS notice_log (
    engagement_id TEXT NOT NULL,
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    entry TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notice_contacts (
    engagement_id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    opted_out INTEGER NOT NULL DEFAULT 0,
    token TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE
);
"""


class NoticesMixin(SqliteBase):
    async def notice_plan(self, notice: Notice) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO notices VALUES (?, ?, ?, ?, ?, ?, 0)",
                (
                    notice.engagement_id,
                    notice.key,
                    notice.kind.value,
                    notice.due_at,
                    notice.due_at,
                    notice.session_id,
                ),
            )
            return cursor.rowcount == 1

    async def notice_claim(self, now: float, lease: float, limit: int) -> list[Notice]:
        async with self._tx() as db:
            async with db.execute(
                "SELECT * FROM notices WHERE done = 0 AND next_at <= ? ORDER BY next_at LIMIT ?",
                (now, limit),
            ) as cursor:
                rows = list(await cursor.fetchall())
            for row in rows:
                await db.execute(
                    "UPDATE notices SET next_at = ? WHERE engagement_id = ? AND key = ?",
                    (now + lease, row["engagement_id"], row["key"]),
                )
        return [
            Notice(
                row["engagement_id"],
                row["key"],
                NoticeKind(row["kind"]),
                row["due_at"],
                row["session_id"],
            )
            for row in rows
        ]

    async def notice_done(self, notice: Notice, entry: LogEntry | None) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE notices SET done = 1 WHERE engagement_id = ? AND key = ?",
                (notice.engagement_id, notice.key),
            )
            if entry is not None:
                await db.execute(
                    "INSERT INTO notice_log (engagement_id, entry) VALUES (?, ?)",
                    (notice.engagement_id, entry.to_record()),
                )

    async def notice_log(self, engagement_id: str) -> list[LogEntry]:
        rows = await self._all(
            "SELECT entry FROM notice_log WHERE engagement_id = ? ORDER BY n DESC", (engagement_id,)
        )
        return [LogEntry.from_record(row["entry"]) for row in rows]

    async def notice_contact(self, engagement_id: str) -> Contact | None:
        row = await self._one(
            "SELECT * FROM notice_contacts WHERE engagement_id = ?", (engagement_id,)
        )
        return Contact(row["email"], bool(row["opted_out"]), row["token"]) if row else None

    async def notice_set_contact(self, engagement_id: str, email: str, token: str) -> None:
        async with self._tx() as db:
            if not email:
                await db.execute(
                    "DELETE FROM notice_contacts WHERE engagement_id = ? AND opted_out = 0",
                    (engagement_id,),
                )
                await db.execute(
                    "UPDATE notice_contacts SET email = '' WHERE engagement_id = ?",
                    (engagement_id,),
                )
                return
            await db.execute(
                "INSERT INTO notice_contacts VALUES (?, ?, 0, ?, ?)"
                " ON CONFLICT (engagement_id) DO UPDATE SET email = excluded.email",
                (engagement_id, email, token, digest(token)),
            )

    async def notice_opt_out(self, token: str) -> str | None:
        async with (
            self._tx() as db,
            db.execute(
                "UPDATE notice_contacts SET opted_out = 1 WHERE token_digest = ?"
                " RETURNING engagement_id",
                (digest(token),),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def erase_notices(self, engagement_id: str) -> None:
        await self._erase_rows(engagement_id, "notices", "notice_log", "notice_contacts")
