"""Session timers and agendas, one of each per engagement.

The timer is stored as its JSON record next to a `version` column, and replaced with a
single conditional statement (`UPDATE … WHERE version = ?`, or `INSERT … ON CONFLICT DO
NOTHING` for the first one), so the compare-and-set is atomic in the database itself and
holds across server processes sharing the file, not only within this one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite

from rooms.errors import NotFound
from rooms.store.sqlite.base import SqliteBase
from rooms.timer import Agenda, AgendaItem, TimerState, from_record, to_record

SCHEMA = """
CREATE TABLE IF NOT EXISTS timers (
    engagement_id TEXT PRIMARY KEY REFERENCES engagements(id),
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agendas (
    engagement_id TEXT PRIMARY KEY REFERENCES engagements(id),
    items TEXT NOT NULL
);
"""


class TimersMixin(SqliteBase):
    @asynccontextmanager
    async def _tx_for(self, engagement_id: str) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction in which an unknown engagement reads as NotFound, not a crash."""
        try:
            async with self._tx() as db:
                yield db
        except sqlite3.IntegrityError as exc:
            raise NotFound("No such engagement.") from exc

    async def timer_get(self, engagement_id: str) -> TimerState | None:
        row = await self._one("SELECT state FROM timers WHERE engagement_id = ?", (engagement_id,))
        return from_record(json.loads(row["state"])) if row else None

    async def timer_put(self, engagement_id: str, state: TimerState, expected_version: int) -> bool:
        if state.version != expected_version + 1:
            raise ValueError("a stored timer state must be exactly one version newer")
        record = json.dumps(to_record(state))
        async with self._tx_for(engagement_id) as db:
            if expected_version == 0:
                cursor = await db.execute(
                    "INSERT INTO timers VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (engagement_id, state.version, record),
                )
            else:
                cursor = await db.execute(
                    "UPDATE timers SET version = ?, state = ?"
                    " WHERE engagement_id = ? AND version = ?",
                    (state.version, record, engagement_id, expected_version),
                )
            return cursor.rowcount == 1

    async def agenda_get(self, engagement_id: str) -> Agenda | None:
        row = await self._one("SELECT items FROM agendas WHERE engagement_id = ?", (engagement_id,))
        if row is None:
            return None
        return Agenda(tuple(AgendaItem(i["name"], i["minutes"]) for i in json.loads(row["items"])))

    async def agenda_put(self, engagement_id: str, agenda: Agenda) -> None:
        async with self._tx_for(engagement_id) as db:
            await db.execute(
                "INSERT INTO agendas VALUES (?, ?)"
                " ON CONFLICT (engagement_id) DO UPDATE SET items = excluded.items",
                (engagement_id, json.dumps(agenda.to_wire())),
            )

    async def erase_timers(self, engagement_id: str) -> None:
        await self._erase_rows(engagement_id, "timers", "agendas")
