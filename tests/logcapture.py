"""Everything the server logs during a test, measured: its size and any traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


class Captured(logging.Handler):
    """Every log line the server writes, formatted as the server's handler would."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.size = 0
        self.tracebacks: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.size += len(line.encode()) + 1
        if record.exc_info or "Traceback" in line:
            self.tracebacks.append(line)


@pytest.fixture
def log() -> Iterator[Captured]:
    root = logging.getLogger()
    handler, level = Captured(), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
