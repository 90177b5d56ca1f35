"""Group commit: the writes that queue while one transaction is being committed share the
next transaction and its one fsync.

A caller hands in one item and awaits its own outcome, which is set only after the
transaction holding it committed (so an acknowledgement still means "on disk"). Nothing
waits on a timer: an item that arrives while the store is idle starts its transaction at
once, and the items that arrive during that commit (the fsync takes a millisecond or
more) form the next one. The whole batch runs in one call on aiosqlite's thread instead
of one thread hand-off per statement, which is most of what a single commit costs in
CPU. `work` decides each item's outcome inside the shared transaction; an item whose
outcome is an exception did not change anything (it rolls back to its own savepoint).
If the transaction itself fails, every item of it fails with StoreUnavailable and
nothing of it is stored.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import aiosqlite

from rooms.errors import StoreUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

BATCH_MAX = 256  # items per transaction; more wait for the next one


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        db: aiosqlite.Connection,
        lock: asyncio.Lock,
        work: Callable[[sqlite3.Connection, T], R],
    ) -> None:
        self._db = db
        self._lock = lock  # the store's: no other transaction interleaves with a batch
        self._work = work
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queue:
            async with self._lock:
                batch, self._queue = self._queue[:BATCH_MAX], self._queue[BATCH_MAX:]
                items = [item for item, _ in batch]
                try:
                    # aiosqlite has no public call for "run this function on the
                    # connection's thread"; _execute is how its own methods do it.
                    outcomes = await self._db._execute(self._run, items)  # type: ignore[no-untyped-call]
                except (sqlite3.Error, ValueError) as exc:
                    logger.warning("a group commit of %s items failed: %s", len(items), exc)
                    failure = StoreUnavailable("The database cannot be reached.")
                    outcomes = [failure] * len(items)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # its caller was cancelled; the outcome stands anyway
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _run(self, items: Sequence[T]) -> list[R | Exception]:
        """On aiosqlite's thread: one IMMEDIATE transaction, a savepoint per item."""
        conn = self._db._conn
        conn.execute("BEGIN IMMEDIATE")
        outcomes: list[R | Exception] = []
        try:
            for item in items:
                conn.execute("SAVEPOINT item")
                try:
                    outcomes.append(self._work(conn, item))
                except (sqlite3.IntegrityError, ValueError) as exc:
                    conn.execute("ROLLBACK TO item")
                    outcomes.append(exc)
                conn.execute("RELEASE item")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes
