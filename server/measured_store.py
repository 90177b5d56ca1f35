"""The store as every part of the app sees it: timed, counted, and drained before closing.

Every store call passes through here, so this is where store latency and errors are
measured per backend, and where shutdown learns whether a write is still on its way:
`drained()` waits until no call is in flight, so a process stopping on SIGTERM does not
close its store under an edit that is about to be acknowledged.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable, Coroutine
from typing import Any, cast

from prometheus_client import Counter, Histogram

from rooms.errors import StoreUnavailable, TandemError
from rooms.store import Store


class MeasuredStore:
    def __init__(self, store: Store, backend: str, latency: Histogram, errors: Counter) -> None:
        self._store = store
        self._latency = latency.labels(backend=backend)
        self._unavailable = errors.labels(backend=backend, code="unavailable")
        self._internal = errors.labels(backend=backend, code="internal")
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @classmethod
    def wrap(cls, store: Store, backend: str, latency: Histogram, errors: Counter) -> Store:
        """Typed as the Store it stands for: it answers every Store method the same way."""
        return cast(Store, cls(store, backend, latency, errors))

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def drained(self) -> None:
        """Returns once no store call is in flight (the caller bounds the wait)."""
        await self._idle.wait()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute
        measured = self._measure(attribute)
        setattr(self, name, measured)  # looked up once per method, not per call
        return measured

    def _measure(
        self, method: Callable[..., Coroutine[Any, Any, Any]]
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        @functools.wraps(method)
        async def measured(*args: Any, **kwargs: Any) -> Any:
            self._in_flight += 1
            self._idle.clear()
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            except StoreUnavailable:
                self._unavailable.inc()
                raise
            except TandemError:  # a domain answer (room full, not found), not a store fault
                raise
            except Exception:
                self._internal.inc()
                raise
            finally:
                self._latency.observe(time.perf_counter() - started)
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.set()

        return measured
