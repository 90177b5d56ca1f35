"""The embedded default backend: one SQLite file (WAL) in the data dir.

Each area of the store lives in its own module with its own SCHEMA; SqliteStore composes
them, so a new feature adds a module and one line here.
"""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from rooms.lifecycle import ErasureRecord
from rooms.store.erasure import erase_parts
from rooms.store.sqlite import (
    accounts,
    agreements,
    boards,
    engagements,
    lifecycle,
    messages,
    notices,
    rehearsals,
    seats,
    sessions,
    techchecks,
    timers,
)
from rooms.store.sqlite.accounts import AccountsMixin
from rooms.store.sqlite.agreements import AgreementsMixin
from rooms.store.sqlite.boards import BoardsMixin
from rooms.store.sqlite.engagements import EngagementsMixin
from rooms.store.sqlite.lifecycle import LifecycleMixin
from rooms.store.sqlite.messages import MessagesMixin
from rooms.store.sqlite.notices import NoticesMixin
from rooms.store.sqlite.rehearsals import RehearsalsMixin
from rooms.store.sqlite.seats import SeatsMixin
from rooms.store.sqlite.sessions import SessionsMixin
from rooms.store.sqlite.techchecks import TechChecksMixin
from rooms.store.sqlite.timers import TimersMixin

SCHEMAS = (
    accounts.SCHEMA,
    engagements.SCHEMA,
    seats.SCHEMA,
    timers.SCHEMA,
    techchecks.SCHEMA,
    boards.SCHEMA,
    agreements.SCHEMA,
    lifecycle.SCHEMA,
    rehearsals.SCHEMA,
    sessions.SCHEMA,
    messages.SCHEMA,
    notices.SCHEMA,
)


class SqliteStore(
    AccountsMixin,
    EngagementsMixin,
    SeatsMixin,
    TimersMixin,
    TechChecksMixin,
    BoardsMixin,
    AgreementsMixin,
    LifecycleMixin,
    RehearsalsMixin,
    SessionsMixin,
    MessagesMixin,
    NoticesMixin,
):
    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            "PRAGMA secure_delete=ON",  # erased content is overwritten, not just unlinked
        ):
            await db.execute(pragma)
        for schema in SCHEMAS:
            await db.executescript(schema)
        await seats.migrate(db)
        await accounts.migrate(db)
        return cls(db)

    async def erase_engagement(self, engagement_id: str, record: ErasureRecord) -> None:
        for part in erase_parts(self):
            await part(engagement_id)
        await self.record_erasure(record)
        await self._checkpoint()
