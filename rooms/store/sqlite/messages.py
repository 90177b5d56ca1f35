"""The message thread: one row per message, one row per (engagement, role) read mark.

The seq is the next after the engagement's highest, chosen inside the write transaction,
so two sends never share one; the UNIQUE (engagement, sender, client id) index makes a
resend find the first message instead of storing a second.
"""

from __future__ import annotations

import sqlite3

from rooms.messages import Message, ThreadState
from rooms.models import Role
from rooms.store.sqlite.base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    engagement_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sender TEXT NOT NULL,
    client_id TEXT NOT NULL,
    text TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (engagement_id, seq),
    UNIQUE (engagement_id, sender, client_id)
);
CREATE TABLE IF NOT EXISTS message_reads (
    engagement_id TEXT NOT NULL,
    role TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (engagement_id, role)
);
"""

COLUMNS = "seq, client_id, sender, text, sent_at"


def _message(row: sqlite3.Row) -> Message:
    return Message(row["seq"], row["client_id"], Role(row["sender"]), row["text"], row["sent_at"])


class MessagesMixin(SqliteBase):
    async def message_append(
        self, engagement_id: str, client_id: str, sender: Role, text: str, sent_at: float
    ) -> tuple[Message, bool]:
        async with self._tx() as db:
            async with db.execute(
                f"SELECT {COLUMNS} FROM messages"  # noqa: S608 (fixed column list)
                " WHERE engagement_id = ? AND sender = ? AND client_id = ?",
                (engagement_id, sender.value, client_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                return _message(row), True
            async with db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE engagement_id = ?",
                (engagement_id,),
            ) as cursor:
                last = await cursor.fetchone()
            seq = int(last[0]) + 1 if last else 1
            await db.execute(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                (engagement_id, seq, sender.value, client_id, text, sent_at),
            )
            return Message(seq, client_id, sender, text, sent_at), False

    async def messages_after(self, engagement_id: str, seq: int, limit: int) -> list[Message]:
        rows = await self._all(
            f"SELECT {COLUMNS} FROM messages"  # noqa: S608 (fixed column list)
            " WHERE engagement_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (engagement_id, seq, limit),
        )
        return [_message(row) for row in rows]

    async def messages_before(self, engagement_id: str, seq: int, limit: int) -> list[Message]:
        below = seq if seq > 0 else 2**62
        rows = await self._all(
            f"SELECT {COLUMNS} FROM messages"  # noqa: S608 (fixed column list)
            " WHERE engagement_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (engagement_id, below, limit),
        )
        return [_message(row) for row in reversed(rows)]

    async def message_read(self, engagement_id: str, role: Role, seq: int) -> ThreadState:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO message_reads VALUES (?, ?, MIN(?,"
                " (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE engagement_id = ?)))"
                " ON CONFLICT (engagement_id, role) DO UPDATE SET seq = MAX(seq, excluded.seq)",
                (engagement_id, role.value, max(seq, 0), engagement_id),
            )
        return await self.message_state(engagement_id)

    async def message_state(self, engagement_id: str) -> ThreadState:
        row = await self._one(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE engagement_id = ?) AS last,"
            " (SELECT seq FROM message_reads WHERE engagement_id = ? AND role = 'coach') AS coach,"
            " (SELECT seq FROM message_reads WHERE engagement_id = ? AND role = 'client')"
            " AS client",
            (engagement_id, engagement_id, engagement_id),
        )
        assert row is not None  # a SELECT without FROM always has its one row
        return ThreadState(int(row["last"]), int(row["coach"] or 0), int(row["client"] or 0))

    async def messages_unread(self, engagement_id: str, role: Role, limit: int) -> int:
        row = await self._one(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages WHERE engagement_id = ?"
            " AND sender != ? AND seq > COALESCE((SELECT seq FROM message_reads"
            " WHERE engagement_id = ? AND role = ?), 0) LIMIT ?)",
            (engagement_id, role.value, engagement_id, role.value, limit),
        )
        return int(row["n"]) if row else 0

    async def erase_messages(self, engagement_id: str) -> None:
        await self._erase_rows(engagement_id, "messages", "message_reads")
