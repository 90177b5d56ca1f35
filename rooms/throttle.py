"""Counting failures with backoff, so guessing is slow and owners are not locked out.

A failure (a wrong password, an unknown invite) is recorded under one or more keys in the
store, so every process sees the same counts. Each key has steps of growing length: a few
failures make the next attempt wait a minute, more make it wait a quarter of an hour, and
so on; the wait ends on its own as failures age out. What is throttled is failing: the
caller decides whether an attempt that is over its limit may still succeed (a valid invite
always may, since the 256-bit token itself is the protection), and a success never counts.

The figures are documented in docs/protocol.md ("Connecting") and docs/deploy.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.clock import Clock
from rooms.errors import Throttled
from rooms.store.protocol import AccountStore


@dataclass(frozen=True, slots=True)
class Step:
    """`failures` within the last `window` seconds close the key until some age out."""

    failures: int
    window: float


# Per (account, address): the owner on another network is never affected.
LOGIN_PER_ACCOUNT_AND_ADDRESS = (Step(5, 60.0), Step(10, 15 * 60.0), Step(20, 3600.0))
# Per address over every account: slows one address spraying one password over many coaches.
LOGIN_PER_ADDRESS = (Step(20, 15 * 60.0), Step(60, 3600.0))
# Password-reset requests, counted whether or not the account exists (so a refusal tells
# nothing about it): per e-mail address, so nobody floods a coach's inbox, and per address.
RESET_PER_ACCOUNT = (Step(3, 3600.0),)
RESET_PER_ADDRESS = (Step(10, 3600.0),)
# Per address, refused Socket.IO connections (unknown or revoked invites, foreign engagements).
CONNECT_PER_ADDRESS = (Step(30, 600.0), Step(100, 3600.0))


class FailureThrottle:
    def __init__(self, store: AccountStore, clock: Clock, steps: tuple[Step, ...]) -> None:
        self._store = store
        self._clock = clock
        self._steps = steps
        self._keep = max(step.window for step in steps)

    async def wait(self, key: str) -> float:
        """Seconds until `key` may fail again (0 when it may now); an upper bound, since
        the store counts failures in a window but does not say when each will age out."""
        now = self._clock()
        for step in reversed(self._steps):  # the longest wait that applies
            if await self._store.count_login_failures(key, now, step.window) >= step.failures:
                return step.window
        return 0.0

    async def check(self, key: str) -> None:
        """Raises Throttled while `key` is over one of its steps."""
        retry_after = await self.wait(key)
        if retry_after:
            raise _throttled(retry_after)

    async def failed(self, key: str) -> None:
        await self._store.note_login_failure(key, self._clock(), self._keep)

    async def refused(self, key: str) -> None:
        """Records a refusal, raising Throttled if `key` was already over a step: a source
        that keeps failing is told to wait, and the attempts it keeps making still count."""
        retry_after = await self.wait(key)
        await self.failed(key)
        if retry_after:
            raise _throttled(retry_after)

    async def clear(self, key: str) -> None:
        await self._store.clear_login_failures(key)


def _throttled(retry_after: float) -> Throttled:
    return Throttled(
        "Too many failed attempts. Wait a few minutes and try again.", retry_after=retry_after
    )
