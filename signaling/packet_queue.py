"""Each Engine.IO socket's outgoing packet queue, without asyncio.Queue's per-queue weight.

python-engineio gives every connection an `asyncio.Queue`: three `collections.deque`s (items,
getters, putters) and an `asyncio.Event` with a fourth, about 3 KB of an idle connection's
~36 KB (docs/performance.md, "Idle capacity"). Its one consumer is the socket's writer task
and the queue is never bounded, so a list that exists only while packets wait, and at most a
few futures, do the same job. Semantics are asyncio.Queue's for the calls engine.io makes:
`put`/`put_nowait` (never block), `get` (a getter cancelled by its timeout is skipped, so
no packet is lost), `get_nowait` (raises `asyncio.QueueEmpty`), `task_done`/`join`,
`empty`/`qsize`.
"""

from __future__ import annotations

import asyncio


class PacketQueue:
    __slots__ = ("_getters", "_items", "_joiners", "_unfinished")

    def __init__(self) -> None:
        self._items: list[object] | None = None
        self._getters: list[asyncio.Future[object]] | None = None
        self._unfinished = 0
        self._joiners: list[asyncio.Future[None]] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: object) -> None:
        self._unfinished += 1
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():  # a getter whose wait timed out is cancelled: skipped
                getter.set_result(item)
                break
        else:
            if self._items is None:
                self._items = [item]
            else:
                self._items.append(item)
        if not self._getters:
            self._getters = None

    async def put(self, item: object) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> object:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.pop(0)
        if not self._items:
            self._items = None
        return item

    def get(self) -> asyncio.Future[object]:
        """A future, not a coroutine: engine.io's `wait_for(queue.get(), timeout)` then
        waits on it directly instead of wrapping it in a task of its own. A packet is
        handed only to a getter still waiting; `wait_for` returns a handed-over packet
        even if its timeout or a cancellation comes in the same loop turn."""
        getter: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        if self._items:
            getter.set_result(self.get_nowait())
        else:
            waiting = [g for g in self._getters or () if not g.done()]  # drop timed-out ones
            waiting.append(getter)
            self._getters = waiting
        return getter

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._joiners is not None:
            joiners, self._joiners = self._joiners, None
            for joiner in joiners:
                if not joiner.done():
                    joiner.set_result(None)

    async def join(self) -> None:
        if self._unfinished == 0:
            return
        joiner = asyncio.get_running_loop().create_future()
        if self._joiners is None:
            self._joiners = []
        self._joiners.append(joiner)
        await joiner
