"""Time as a dependency: services take a Clock so tests can move time instead of waiting."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]

wall_clock: Clock = time.time
