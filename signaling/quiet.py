"""Log lines for bad input, rate-limited per socket.

A client flooding malformed packets must not be able to fill the disk: each socket gets a
few lines, then one line per `EVERY` further refusals saying how many were dropped. The
count, not the clock, bounds the output, so a flood of any length writes O(log) lines.
"""

from __future__ import annotations

import logging

FIRST = 5  # lines written in full for a socket before it is summarised
EVERY = 1000  # then one summary line per this many further refusals


class QuietLog:
    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._counts: dict[str, int] = {}

    def note(self, sid: str, what: str) -> None:
        count = self._counts.get(sid, 0) + 1
        self._counts[sid] = count
        if count <= FIRST:
            self._logger.info(what, extra={"sid": sid})
        elif count % EVERY == 0:
            self._logger.info("%s (%d from this socket so far)", what, count, extra={"sid": sid})

    def forget(self, sid: str) -> None:
        self._counts.pop(sid, None)
