"""Back-pressure for board edits: a bounded backlog instead of an unbounded queue.

Past what one process commits, edits used to queue without limit, so under overload each
waited behind all the others and was answered seconds later, or never. Now a process
holds at most BACKLOG_LIMIT edits at once (waiting for their board or being committed);
one more is answered `try-again` at once. An admitted edit whose commit has not started
BACKLOG_WAIT seconds after it arrived is answered `try-again` too, with nothing applied.
So every edit is answered within BACKLOG_WAIT plus one commit: applied, or refused with
the advice to send it again (the page does, with the same op id after a short backoff,
and an op id is applied once). docs/board.md states the bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rooms.errors import TryAgain

BACKLOG_LIMIT = 500  # edits one process holds at once
BACKLOG_WAIT = 0.5  # seconds an admitted edit may wait for its commit to start
RETRY_AFTER = 0.2  # seconds: the hint sent with `try-again`
MESSAGE = "The board is very busy; your change is sent again in a moment."


@dataclass(frozen=True, slots=True)
class Ticket:
    """An admitted edit's deadline for starting its commit (monotonic seconds)."""

    deadline: float
    clock: Callable[[], float]

    def check(self) -> None:
        """Raises TryAgain once the deadline has passed (call before each commit)."""
        if self.clock() > self.deadline:
            raise TryAgain(MESSAGE, retry_after=RETRY_AFTER)


class Backlog:
    def __init__(
        self,
        limit: int = BACKLOG_LIMIT,
        wait: float = BACKLOG_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._wait = wait
        self._clock = clock
        self.held = 0

    @contextmanager
    def admit(self) -> Iterator[Ticket]:
        """Holds one place in the backlog for the `with` block; raises TryAgain (having
        held nothing) when the backlog is full."""
        if self.held >= self._limit:
            raise TryAgain(MESSAGE, retry_after=RETRY_AFTER)
        self.held += 1
        try:
            yield Ticket(self._clock() + self._wait, self._clock)
        finally:
            self.held -= 1
