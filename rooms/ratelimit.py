"""A token bucket per connection: bursts of ICE candidates pass, floods do not."""

from __future__ import annotations

from dataclasses import dataclass

from rooms.clock import Clock


@dataclass(slots=True)
class TokenBucket:
    rate: float
    burst: float
    clock: Clock
    tokens: float = -1.0
    updated: float = 0.0

    def allow(self, cost: float = 1.0) -> bool:
        now = self.clock()
        if self.tokens < 0:
            self.tokens, self.updated = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def refund(self, cost: float = 1.0) -> None:
        """Gives back what `allow` took, for an attempt that turned out to cost nothing."""
        self.tokens = min(self.burst, self.tokens + cost)
