"""The goal board as the Socket.IO layer and the pages use it.

Applying an operation: read the snapshot, apply the pure operation, commit with
compare-and-set on the version; on a lost race (another process committed first) apply
again on top of the newer board, as often as it takes: a valid edit is never refused for
contention. The store's turns make that fair (the loser claims the next commit, see
BoardStore.board_apply), so each retry waits for at most one other edit; only an
unreachable store (`unavailable`) or back-pressure (`try-again`, rooms/board_backlog.py)
ends the loop without applying. An op costs the store one round trip: the board it is
applied to is the one this process last committed (kept for the busiest CACHED_BOARDS
boards; a stale one only loses its compare-and-set), and the commit itself checks that the
program is open and records the role's activity. An op id seen before
is answered with its first version and applied nothing, so a browser may resend an
unacknowledged edit after a reconnect without doubling it.

Private notes are only reachable through methods that take the role and refuse a client.

A closed program is read-only: every method that changes something (an operation, a
private note) checks first and raises ProgramClosed, so no path around the pages (a
socket, an old tab, the command line) can edit it.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import secrets
import weakref
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from rooms import validation
from rooms.board.ops import Op, apply, item_id, parse_op
from rooms.board.records import BoardRecord, BoardSnapshot, PrivateNote
from rooms.board.schema import NEXT_SESSION, NOTE_TEXT, empty_board
from rooms.board_backlog import Backlog, Ticket
from rooms.calls import CallKind
from rooms.clock import Clock
from rooms.errors import Forbidden, InvalidInput, TandemError
from rooms.lifecycle_service import refuse_if_closed
from rooms.models import Engagement, Role
from rooms.store.protocol import BoardStore, CallStore, LifecycleStore

logger = logging.getLogger(__name__)

TOUCH_EVERY = 10.0  # seconds between activity writes per engagement and role
TOUCHED_KEPT = 10_000  # remembered activity writes; forgetting one costs one extra write
TURN_POLL_FIRST = 0.0005
TURN_POLL_MAX = 0.004
CATCH_UP_LIMIT = 500  # more missed operations than this: a snapshot is cheaper
HISTORY_LIMIT = 200
CACHED_BOARDS = 1024  # boards whose latest state this process keeps (the busiest)
MAX_PRIVATE_NOTES = 300


@dataclass(frozen=True, slots=True)
class Applied:
    record: BoardRecord
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Progress:
    """One dashboard row's board figures (session counts come from rooms.session_service)."""

    homework_done: int
    homework_total: int
    homework_overdue: int
    last_client_activity: float | None
    inactive: bool

    @property
    def last_seen(self) -> str:
        if self.last_client_activity is None:
            return ""
        moment = datetime.datetime.fromtimestamp(self.last_client_activity, datetime.UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")


class BoardBacking(BoardStore, LifecycleStore, Protocol):
    """What the board service needs of the store: the board, and whether it is closed."""


class Boards:
    def __init__(self, store: BoardBacking, clock: Clock, backlog: Backlog | None = None) -> None:
        self._store = store
        self._clock = clock
        self._touched: dict[tuple[str, Role], float] = {}
        self._cached: OrderedDict[str, BoardSnapshot] = OrderedDict()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._backlog = backlog or Backlog()

    async def snapshot(self, engagement: Engagement) -> BoardSnapshot:
        stored = await self._store.board_snapshot(engagement.id)
        return stored or BoardSnapshot(0, empty_board(engagement))

    async def catch_up(self, engagement: Engagement, since: int | None) -> list[BoardRecord] | None:
        """The operations after `since`, or None when the caller needs a snapshot."""
        if since is None:
            return None
        return await self._store.board_ops_since(engagement.id, since, CATCH_UP_LIMIT)

    def admission(self) -> AbstractContextManager[Ticket]:
        """A place in this process's backlog for one edit, held by the `with` block that
        also waits for the board and applies; raises TryAgain when it is full."""
        return self._backlog.admit()

    async def apply(
        self,
        engagement: Engagement,
        role: Role,
        op_id: object,
        raw_op: object,
        ticket: Ticket | None = None,
    ) -> Applied:
        """Raises InvalidInput, Forbidden, NotFound, Conflict (an add whose id exists),
        TryAgain (`ticket`'s deadline passed before a commit started) or StoreUnavailable,
        having changed nothing; never gives up because others edit."""
        checked_id = item_id(op_id, "op_id")
        op = parse_op(raw_op)
        contender = secrets.token_hex(8)  # this edit's claim on a turn, across its attempts
        lost_at: int | None = None
        while True:
            async with self._lock_of(engagement.id):
                attempt = await self._attempt(engagement, role, checked_id, op, ticket, lost_at)
                if isinstance(attempt, Applied):
                    return attempt
                record, state = attempt
                commit_step = asyncio.ensure_future(
                    self._store.board_apply(
                        engagement.id, record.version - 1, record, state, contender
                    )
                )
                if self._store.board_commits_in_order:
                    # The next edit of this board may join the same transaction: it is
                    # applied on top of this one, and committed after it or not at all.
                    self._remember(engagement.id, BoardSnapshot(record.version, state))
                else:
                    await asyncio.wait([commit_step])
            try:
                commit = await commit_step
            except BaseException:
                self._cached.pop(engagement.id, None)  # the board it was applied to may be gone
                raise
            if commit is None or commit.closed or commit.duplicate:
                self._cached.pop(engagement.id, None)
            if commit is None:
                lost_at = record.version - 1
                continue
            if commit.closed:
                refuse_if_closed(record.at)  # the store found it closed, in the same step
            if commit.duplicate:
                first = await self._store.board_op(engagement.id, checked_id)
                return Applied(first or record, True)
            self._remember(engagement.id, BoardSnapshot(record.version, state))
            return Applied(record, False)

    async def _attempt(
        self,
        engagement: Engagement,
        role: Role,
        op_id: str,
        op: Op,
        ticket: Ticket | None,
        lost_at: int | None,
    ) -> tuple[BoardRecord, dict[str, Any]] | Applied:
        """Under the board's lock: the record and board to commit next, or the answer of a
        resend that no longer applies."""
        waits = 0
        while True:
            if ticket is not None:
                ticket.check()
            current = await self._latest(engagement, fresh=lost_at is not None)
            if current.version != lost_at:
                break
            # Nothing committed since we lost: another edit holds the turn. Let it.
            waits += 1
            await asyncio.sleep(_jitter(waits))
        now = self._clock()
        try:
            state = apply(current.state, op, role, now)
        except TandemError:
            # A closed program refuses everything as closed. A resend of an op that was
            # applied (its ack was lost) may no longer apply (an add whose id now exists):
            # it is answered as applied.
            await self._writable(engagement)
            first = await self._store.board_op(engagement.id, op_id)
            if first is not None:
                return Applied(first, True)
            raise
        return BoardRecord(current.version + 1, op_id, role, now, op.to_wire()), state

    def _lock_of(self, engagement_id: str) -> asyncio.Lock:
        """First come, first served per board in this process; a lock lives while an
        edit holds or awaits it."""
        lock = self._locks.get(engagement_id)
        if lock is None:
            lock = self._locks[engagement_id] = asyncio.Lock()
        return lock

    async def _latest(self, engagement: Engagement, fresh: bool) -> BoardSnapshot:
        """The board as this process last committed (or is committing) or read it, or
        (`fresh`, or not cached) as the store holds it. A cached board another process
        has moved on from only costs a lost compare-and-set, after which the store is
        read."""
        cached = None if fresh else self._cached.get(engagement.id)
        if cached is not None:
            self._cached.move_to_end(engagement.id)
            return cached
        current = await self.snapshot(engagement)
        self._remember(engagement.id, current, read=True)
        return current

    def _remember(self, engagement_id: str, snapshot: BoardSnapshot, read: bool = False) -> None:
        """Keeps the newest board: a commit that completes after a later edit of the same
        board was applied on top of it does not step the cache back (a read replaces it)."""
        cached = self._cached.get(engagement_id)
        if read or cached is None or cached.version < snapshot.version:
            self._cached[engagement_id] = snapshot
        self._cached.move_to_end(engagement_id)
        if len(self._cached) > CACHED_BOARDS:
            self._cached.popitem(last=False)

    async def _writable(self, engagement: Engagement) -> None:
        refuse_if_closed(await self._store.closed_at(engagement.id))

    async def touch(self, engagement: Engagement, role: Role) -> None:
        await self._touch_at(engagement.id, role, self._clock())

    async def _touch_at(self, engagement_id: str, role: Role, now: float) -> None:
        """Activity is shown by the day (the dashboard), so a burst of edits writes it
        once per TOUCH_EVERY instead of once per edit: one store write fewer per op."""
        key = (engagement_id, role)
        if now - self._touched.get(key, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        await self._store.board_touch(engagement_id, role, now)
        if len(self._touched) >= TOUCHED_KEPT:
            self._touched.clear()
        self._touched[key] = now

    async def set_presence(self, engagement: Engagement, sid: str, role: Role, state: str) -> None:
        await self._store.board_presence_set(engagement.id, sid, role, state)

    async def drop_presence(self, engagement: Engagement, sid: str) -> None:
        await self._store.board_presence_drop(engagement.id, sid)

    async def presence(self, engagement: Engagement) -> dict[str, str]:
        """{"coach": "editing", "client": "away"}: the busiest state of each role's sockets."""
        presence = {role.value: "away" for role in Role}
        for role, state in await self._store.board_presence(engagement.id):
            if presence[role.value] != "editing":
                presence[role.value] = state
        return presence

    async def history(self, engagement: Engagement, role: Role) -> list[BoardRecord]:
        _coach_only(role)
        return await self._store.board_history(engagement.id, HISTORY_LIMIT)

    async def goal_history(self, engagement: Engagement) -> list[BoardRecord]:
        """The shared board's changes to goals, for the final review both people read
        (the rest of the history, like the private notes, stays the coach's)."""
        records = await self._store.board_history(engagement.id, HISTORY_LIMIT)
        return [r for r in records if r.op.get("collection") == "goals"]

    async def private_notes(self, engagement: Engagement, role: Role) -> list[PrivateNote]:
        _coach_only(role)
        return await self._store.private_notes(engagement.id)

    async def put_private_note(
        self, engagement: Engagement, role: Role, note_id: object, text: object
    ) -> list[PrivateNote]:
        _coach_only(role)
        ident = item_id(note_id)
        body = validation.text(text, "text", max_len=NOTE_TEXT)
        await self._writable(engagement)
        notes = await self._store.private_notes(engagement.id)
        existing = next((n for n in notes if n.id == ident), None)
        if existing is None and len(notes) >= MAX_PRIVATE_NOTES:
            raise InvalidInput(
                "This board already holds %(max)s of these; remove one first.",
                params={"max": MAX_PRIVATE_NOTES},
            )
        now = self._clock()
        created = existing.created_at if existing else now
        await self._store.private_note_put(engagement.id, PrivateNote(ident, body, created, now))
        return await self._store.private_notes(engagement.id)

    async def delete_private_note(
        self, engagement: Engagement, role: Role, note_id: object
    ) -> list[PrivateNote]:
        _coach_only(role)
        ident = item_id(note_id)
        await self._writable(engagement)
        await self._store.private_note_delete(engagement.id, ident)
        return await self._store.private_notes(engagement.id)

    async def progress(
        self, engagement: Engagement, calls: CallStore, inactive_days: int
    ) -> Progress:
        board = (await self.snapshot(engagement)).state
        now = self._clock()
        real = [c for c in await calls.calls_of(engagement.id) if c.kind is CallKind.REAL]
        homework = board["homework"]
        today = datetime.datetime.fromtimestamp(now, datetime.UTC).date().isoformat()

        def overdue(item: dict[str, Any]) -> bool:
            if item["done"]:
                return False
            if item["due"] == NEXT_SESSION:
                return any(c.started_at > item["created_at"] for c in real)
            return bool(item["due"] < today)

        last = (await self._store.board_activity(engagement.id)).get(Role.CLIENT)
        since = last if last is not None else engagement.created_at
        return Progress(
            homework_done=sum(1 for h in homework if h["done"]),
            homework_total=len(homework),
            homework_overdue=sum(1 for h in homework if overdue(h)),
            last_client_activity=last,
            inactive=now - since > inactive_days * 86400,
        )


def _jitter(waits: int) -> float:
    """Polling for another edit's turn: 1 ms, doubling to 32 ms, each ±50 % so two
    waiting processes do not poll in step."""
    delay = min(TURN_POLL_MAX, TURN_POLL_FIRST * 2.0 ** min(waits - 1, 10))
    return delay * random.uniform(0.5, 1.5)  # noqa: S311 (timing jitter, not a secret)


def _coach_only(role: Role) -> None:
    if role is not Role.COACH:
        raise Forbidden("Only the coach can see this.")
