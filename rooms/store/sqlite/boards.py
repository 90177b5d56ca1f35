"""Goal boards: snapshot row, operation log, activity, and the separate private notes.

`board_apply` runs inside one IMMEDIATE transaction: the closed check, the op-id check,
the version compare, the log append, the snapshot replace and the role's activity commit
together or not at all, and the snapshot update is itself conditional on the version
(`WHERE version = ?`), so two processes sharing the file cannot both commit on top of the
same version. The ops that arrive while one transaction commits share the next one and
its fsync (group commit, rooms/store/sqlite/group_commit.py); each caller is answered
only after the transaction holding its op committed. A losing contender's
claim on the next turn (BoardStore.board_apply) is a row in `board_turns`, checked in the
same transaction.

Private notes sit in their own table that no board query reads. Presence is a TEMP table:
it belongs to this process's connection and is gone when the process is.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from rooms.board.records import BoardCommit, BoardRecord, BoardSnapshot, PrivateNote
from rooms.errors import NotFound
from rooms.models import Role
from rooms.store.protocol import BOARD_TURN_SECONDS
from rooms.store.sqlite.base import SqliteBase
from rooms.store.sqlite.group_commit import GroupCommit

SCHEMA = """
CREATE TABLE IF NOT EXISTS boards (
    engagement_id TEXT PRIMARY KEY REFERENCES engagements(id),
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS board_ops (
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    version INTEGER NOT NULL,
    op_id TEXT NOT NULL,
    role TEXT NOT NULL,
    at REAL NOT NULL,
    op TEXT NOT NULL,
    PRIMARY KEY (engagement_id, version),
    UNIQUE (engagement_id, op_id)
);
CREATE TABLE IF NOT EXISTS board_activity (
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    role TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (engagement_id, role)
);
CREATE TABLE IF NOT EXISTS board_turns (
    engagement_id TEXT PRIMARY KEY,
    contender TEXT NOT NULL,
    until REAL NOT NULL
);
CREATE TEMP TABLE IF NOT EXISTS board_presence (
    engagement_id TEXT NOT NULL,
    sid TEXT NOT NULL,
    role TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (engagement_id, sid)
);
CREATE TABLE IF NOT EXISTS private_notes (
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (engagement_id, id)
);
"""


TOUCH_SQL = (
    "INSERT INTO board_activity VALUES (?, ?, ?) ON CONFLICT"
    " (engagement_id, role) DO UPDATE SET at = max(at, excluded.at)"
)


def _record(row: sqlite3.Row) -> BoardRecord:
    return BoardRecord(
        row["version"], row["op_id"], Role(row["role"]), row["at"], json.loads(row["op"])
    )


@dataclass(frozen=True, slots=True)
class _Pending:
    engagement_id: str
    expected_version: int
    record: BoardRecord
    state: dict[str, Any]
    contender: str


def _commit(db: sqlite3.Connection, item: _Pending) -> BoardCommit | None:
    """One op inside a group commit (rooms/store/sqlite/group_commit.py), on the
    connection's thread: closed check, op-id check, turn, version compare, then the log
    append, the snapshot replace and the role's activity."""
    engagement_id, record = item.engagement_id, item.record
    if db.execute(
        "SELECT 1 FROM closed_engagements WHERE engagement_id = ?", (engagement_id,)
    ).fetchone():
        return BoardCommit(0, duplicate=False, closed=True)
    seen = db.execute(
        "SELECT version FROM board_ops WHERE engagement_id = ? AND op_id = ?",
        (engagement_id, record.op_id),
    ).fetchone()
    if seen is not None:
        return BoardCommit(seen[0], duplicate=True)
    row = db.execute(
        "SELECT contender FROM board_turns WHERE engagement_id = ? AND until > ?",
        (engagement_id, record.at),
    ).fetchone()
    turn = str(row[0]) if row else None
    if turn is not None and turn != item.contender:
        return None
    encoded = orjson.dumps(item.state).decode()
    if item.expected_version == 0:
        cursor = db.execute(
            "INSERT INTO boards VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (engagement_id, record.version, encoded),
        )
    else:
        cursor = db.execute(
            "UPDATE boards SET version = ?, state = ? WHERE engagement_id = ? AND version = ?",
            (record.version, encoded, engagement_id, item.expected_version),
        )
    if cursor.rowcount != 1:
        if item.contender and turn is None:
            db.execute(
                "INSERT OR REPLACE INTO board_turns VALUES (?, ?, ?)",
                (engagement_id, item.contender, record.at + BOARD_TURN_SECONDS),
            )
        return None
    if turn is not None:
        db.execute("DELETE FROM board_turns WHERE engagement_id = ?", (engagement_id,))
    db.execute(
        "INSERT INTO board_ops VALUES (?, ?, ?, ?, ?, ?)",
        (
            engagement_id,
            record.version,
            record.op_id,
            record.role.value,
            record.at,
            orjson.dumps(record.op).decode(),
        ),
    )
    db.execute(TOUCH_SQL, (engagement_id, record.role.value, record.at))
    return BoardCommit(record.version, duplicate=False)


class BoardsMixin(SqliteBase):
    board_commits_in_order = True  # the group commit queue is first in, first committed

    async def board_snapshot(self, engagement_id: str) -> BoardSnapshot | None:
        row = await self._one(
            "SELECT version, state FROM boards WHERE engagement_id = ?", (engagement_id,)
        )
        return BoardSnapshot(row["version"], json.loads(row["state"])) if row else None

    @functools.cached_property
    def _board_commits(self) -> GroupCommit[_Pending, BoardCommit | None]:
        return GroupCommit(self._db, self._lock, _commit)

    async def board_apply(
        self,
        engagement_id: str,
        expected_version: int,
        record: BoardRecord,
        state: dict[str, Any],
        contender: str = "",
    ) -> BoardCommit | None:
        if record.version != expected_version + 1:
            raise ValueError("a board record must be exactly one version newer")
        pending = _Pending(engagement_id, expected_version, record, state, contender)
        try:
            return await self._board_commits.submit(pending)
        except sqlite3.IntegrityError as exc:
            raise NotFound("No such engagement.") from exc

    async def board_op(self, engagement_id: str, op_id: str) -> BoardRecord | None:
        row = await self._one(
            "SELECT * FROM board_ops WHERE engagement_id = ? AND op_id = ?", (engagement_id, op_id)
        )
        return _record(row) if row else None

    async def board_ops_since(
        self, engagement_id: str, version: int, limit: int
    ) -> list[BoardRecord] | None:
        snapshot = await self._one(
            "SELECT version FROM boards WHERE engagement_id = ?", (engagement_id,)
        )
        current = snapshot["version"] if snapshot else 0
        if not 0 <= version <= current or current - version > limit:
            return None
        rows = await self._all(
            "SELECT * FROM board_ops WHERE engagement_id = ? AND version > ? ORDER BY version",
            (engagement_id, version),
        )
        return [_record(row) for row in rows]

    async def board_history(self, engagement_id: str, limit: int) -> list[BoardRecord]:
        rows = await self._all(
            "SELECT * FROM board_ops WHERE engagement_id = ? ORDER BY version DESC LIMIT ?",
            (engagement_id, limit),
        )
        return [_record(row) for row in rows]

    async def board_touch(self, engagement_id: str, role: Role, now: float) -> None:
        try:
            async with self._tx() as db:
                await db.execute(TOUCH_SQL, (engagement_id, role.value, now))
        except sqlite3.IntegrityError as exc:
            raise NotFound("No such engagement.") from exc

    async def board_activity(self, engagement_id: str) -> dict[Role, float]:
        rows = await self._all(
            "SELECT role, at FROM board_activity WHERE engagement_id = ?", (engagement_id,)
        )
        return {Role(row["role"]): row["at"] for row in rows}

    async def board_presence_set(
        self, engagement_id: str, sid: str, role: Role, state: str
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT OR REPLACE INTO board_presence VALUES (?, ?, ?, ?)",
                (engagement_id, sid, role.value, state),
            )

    async def board_presence_drop(self, engagement_id: str, sid: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "DELETE FROM board_presence WHERE engagement_id = ? AND sid = ?",
                (engagement_id, sid),
            )

    async def board_presence(self, engagement_id: str) -> list[tuple[Role, str]]:
        rows = await self._all(
            "SELECT role, state FROM board_presence WHERE engagement_id = ?", (engagement_id,)
        )
        return [(Role(row["role"]), row["state"]) for row in rows]

    async def private_notes(self, engagement_id: str) -> list[PrivateNote]:
        rows = await self._all(
            "SELECT id, text, created_at, updated_at FROM private_notes"
            " WHERE engagement_id = ? ORDER BY created_at, id",
            (engagement_id,),
        )
        return [PrivateNote(r["id"], r["text"], r["created_at"], r["updated_at"]) for r in rows]

    async def private_note_put(self, engagement_id: str, note: PrivateNote) -> None:
        try:
            async with self._tx() as db:
                await db.execute(
                    "INSERT INTO private_notes VALUES (?, ?, ?, ?, ?) ON CONFLICT"
                    " (engagement_id, id) DO UPDATE SET text = excluded.text,"
                    " updated_at = excluded.updated_at",
                    (engagement_id, note.id, note.text, note.created_at, note.updated_at),
                )
        except sqlite3.IntegrityError as exc:
            raise NotFound("No such engagement.") from exc

    async def private_note_delete(self, engagement_id: str, note_id: str) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "DELETE FROM private_notes WHERE engagement_id = ? AND id = ?",
                (engagement_id, note_id),
            )
            return cursor.rowcount == 1

    async def erase_boards(self, engagement_id: str) -> None:
        """The board, its history, a claimed turn, activity, presence and the coach's
        private notes."""
        await self._erase_rows(
            engagement_id,
            "boards",
            "board_ops",
            "board_turns",
            "board_activity",
            "board_presence",
            "private_notes",
        )
