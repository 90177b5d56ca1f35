"""Seats and the call log.

SQLite serves one process, so a seat claim is a transaction under the store's lock; the
rule itself is rooms.seats.claim, shared with every backend.
"""

from __future__ import annotations

import secrets
import sqlite3

import aiosqlite

from rooms.calls import CallKind, CallRecord
from rooms.models import Role
from rooms.seats import SeatClaim, SeatHolder, SeatState, call_kind, claim
from rooms.store.sqlite.base import SqliteBase

SCHEMA = """
CREATE TABLE IF NOT EXISTS seats (
    engagement_id TEXT NOT NULL,
    role TEXT NOT NULL,
    sid TEXT NOT NULL,
    device TEXT NOT NULL,
    state TEXT NOT NULL,
    since REAL NOT NULL,
    session TEXT NOT NULL,
    practice INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (engagement_id, role)
);
CREATE TABLE IF NOT EXISTS seat_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS calls_engagement ON calls(engagement_id, started_at);
"""


def _holder(row: sqlite3.Row) -> SeatHolder:
    return SeatHolder(
        row["sid"],
        row["device"],
        SeatState(row["state"]),
        row["since"],
        row["session"],
        bool(row["practice"]),
    )


def _call(row: sqlite3.Row) -> CallRecord:
    return CallRecord(
        row["id"], row["engagement_id"], CallKind(row["kind"]), row["started_at"], row["ended_at"]
    )


async def migrate(db: aiosqlite.Connection) -> None:
    """Seats are cleared at every start, so an old seats table is simply recreated."""
    async with db.execute("PRAGMA table_info(seats)") as cursor:
        columns = {row[1] for row in await cursor.fetchall()}
    if "practice" not in columns:
        await db.executescript("DROP TABLE seats;" + SCHEMA)


class SeatsMixin(SqliteBase):
    async def claim_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool
    ) -> SeatHolder | None:
        async with self._tx() as db:
            seats = await self._claim(db, engagement_id, role, holder, takeover=takeover)
        return seats.get(role)

    async def join_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool, now: float
    ) -> SeatClaim:
        """One transaction (one fsync): read both seats, claim, open the call if needed."""
        async with self._tx() as db:
            seats = await self._claim(db, engagement_id, role, holder, takeover=takeover)
            after = {**seats, role: holder}
            opened = None
            if len(after) == 2:
                cursor = await db.execute(
                    "INSERT INTO calls (engagement_id, kind, started_at) SELECT ?, ?, ?"
                    " WHERE NOT EXISTS (SELECT 1 FROM calls"
                    " WHERE engagement_id = ? AND ended_at IS NULL) RETURNING *",
                    (engagement_id, call_kind(after.values()).value, now, engagement_id),
                )
                row = await cursor.fetchone()
                await cursor.close()
                opened = _call(row) if row else None
        return SeatClaim(seats.get(role), after, opened)

    async def _claim(
        self,
        db: aiosqlite.Connection,
        engagement_id: str,
        role: Role,
        holder: SeatHolder,
        *,
        takeover: bool,
    ) -> dict[Role, SeatHolder]:
        """Both seats as they were; `role`'s now `holder`'s unless claim() refused."""
        cursor = await db.execute("SELECT * FROM seats WHERE engagement_id = ?", (engagement_id,))
        seats = {Role(row["role"]): _holder(row) for row in await cursor.fetchall()}
        await cursor.close()
        claim(seats.get(role), holder, takeover=takeover)
        await db.execute(
            "INSERT OR REPLACE INTO seats VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                engagement_id,
                role.value,
                holder.sid,
                holder.device,
                holder.state.value,
                holder.since,
                holder.session,
                int(holder.practice),
            ),
        )
        return seats

    async def set_seat_state(
        self, engagement_id: str, role: Role, sid: str, state: SeatState
    ) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE seats SET state = ? WHERE engagement_id = ? AND role = ? AND sid = ?",
                (state.value, engagement_id, role.value, sid),
            )
            return cursor.rowcount == 1

    async def release_seat(self, engagement_id: str, role: Role, sid: str) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "DELETE FROM seats WHERE engagement_id = ? AND role = ? AND sid = ?",
                (engagement_id, role.value, sid),
            )
            return cursor.rowcount == 1

    async def seats(self, engagement_id: str) -> dict[Role, SeatHolder]:
        rows = await self._all("SELECT * FROM seats WHERE engagement_id = ?", (engagement_id,))
        return {Role(row["role"]): _holder(row) for row in rows}

    async def hand_over_seats(self, grace: float) -> None:
        """Nothing to do: close() leaves the seats where they are."""

    async def seat_key(self) -> bytes:
        async with self._tx() as db:
            await db.execute(
                "INSERT OR IGNORE INTO seat_key VALUES (1, ?)", (secrets.token_bytes(32),)
            )
            cursor = await db.execute("SELECT key FROM seat_key WHERE id = 1")
            row = await cursor.fetchone()
            await cursor.close()
        assert row is not None  # inserted just above, in the same transaction
        return bytes(row["key"])

    async def clear_seats(self) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM seats")

    async def open_call(self, engagement_id: str, kind: CallKind, now: float) -> CallRecord | None:
        async with self._tx() as db:
            cursor = await db.execute(
                "SELECT 1 FROM calls WHERE engagement_id = ? AND ended_at IS NULL",
                (engagement_id,),
            )
            if await cursor.fetchone():
                return None
            cursor = await db.execute(
                "INSERT INTO calls (engagement_id, kind, started_at) VALUES (?, ?, ?) RETURNING *",
                (engagement_id, kind.value, now),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return _call(row) if row else None

    async def close_call(self, engagement_id: str, now: float) -> CallRecord | None:
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE calls SET ended_at = ? WHERE engagement_id = ? AND ended_at IS NULL"
                " RETURNING *",
                (now, engagement_id),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return _call(row) if row else None

    async def calls_of(self, engagement_id: str) -> list[CallRecord]:
        rows = await self._all(
            "SELECT * FROM calls WHERE engagement_id = ? ORDER BY started_at, id",
            (engagement_id,),
        )
        return [_call(row) for row in rows]

    async def erase_seats(self, engagement_id: str) -> None:
        """Seats and the call log."""
        await self._erase_rows(engagement_id, "seats", "calls")
