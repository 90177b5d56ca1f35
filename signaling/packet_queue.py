"""Each Engine.IO socket's outgoing packet queue, without asyncio.Queue's per-queue weight.

python-engineio gives every connection an `asyncio.Queue`: three `collections.deque`s (items,
getters, putters) and an `asyncio.Event` with a fourth, about 3 KB of an idle connection's
~36 KB (docs/performance.md, "Idle capacity"). Its one consumer is the socket's writer task
and the queue is never bounded, so a list that exists only while packets wait, and at most a
few futures, do the same job. Semantics are asyncio.Queue's for the calls engine.io makes:
`put`/`put_nowait` (never block), `get` (cancellable: a cancelled get loses no packet),
`get_nowait` (raises `asyncio.QueueEmpty`), `task_done`/`join`, `empty`/`qsize`.
"""

from __future__ import annotations

import asyncio


class PacketQueue:
    __slots__ = ("_getters", "_items", "_joiners", "_unfinished")

    def __init__(self) -> None:
        self._items: list[object] | None = None
        self._getters: list[asyncio.Future[None]] | None = None
        self._unfinished = 0
        self._joiners: list[asyncio.Future[None]] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: object) -> None:
        if self._items is None:
            self._items = [item]
        else:
            self._items.append(item)
        self._unfinished += 1
        _wake_one(self._getters)

    async def put(self, item: object) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> object:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.pop(0)
        if not self._items:
            self._items = None
        return item

    async def get(self) -> object:
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                # Cancelled (engine.io's wait_for timed out): pass a wake-up we may have
                # been given on to the next getter, so no packet waits unseen.
                if not getter.cancelled() and self._items:
                    _wake_one(self._getters)
                raise
            finally:
                if self._getters is not None:
                    if getter in self._getters:
                        self._getters.remove(getter)
                    if not self._getters:
                        self._getters = None
        return self.get_nowait()

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


def _wake_one(getters: list[asyncio.Future[None]] | None) -> None:
    for getter in getters or ():
        if not getter.done():
            getter.set_result(None)
            return
