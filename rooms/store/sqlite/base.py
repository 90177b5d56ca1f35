"""The SQLite connection every area module shares.

One connection and one lock: aiosqlite runs statements on one thread, and the lock keeps
one coroutine's transaction from interleaving with another's, which makes every method a
serialisable step. WAL with synchronous=FULL means a write that returned has reached the
disk, so an acknowledged edit survives a crash of the process or the machine.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from rooms.errors import StoreUnavailable


class SqliteBase:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
            except (sqlite3.Error, ValueError) as exc:
                raise StoreUnavailable("The database cannot be reached.") from exc
            try:
                yield self._db
            except BaseException:
                await self._db.rollback()
                raise
            else:
                await self._db.commit()

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._lock, self._db.execute(sql, tuple(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock, self._db.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def _erase_rows(self, engagement_id: str, *tables: str) -> None:
        """Deletes an engagement's rows from `tables` (fixed names from the area modules,
        never from input) in one transaction; with secure_delete the freed pages are
        overwritten, so the content does not linger in the file."""
        async with self._tx() as db:
            for table in tables:
                await db.execute(f"DELETE FROM {table} WHERE engagement_id = ?", (engagement_id,))  # noqa: S608

    async def _checkpoint(self) -> None:
        """Copies the WAL into the main file and empties it, so deleted rows do not live
        on in the write-ahead log."""
        async with self._lock:
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def ping(self) -> None:
        try:
            await self._one("SELECT 1")
        except (sqlite3.Error, ValueError) as exc:
            raise StoreUnavailable("The database cannot be reached.") from exc

    async def close(self) -> None:
        await self._db.close()
