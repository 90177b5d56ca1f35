"""Estimating a client's clock offset from the server, and showing time without rewinds.

The timer is a set of server timestamps; a client only needs `server_now ≈ client_now +
offset` to count down locally every frame. Clients measure the offset NTP-style: send at
`client_send` (client clock), the server stamps `server_time`, the answer arrives at
`client_receive`. Assuming the server stamped halfway through the round trip,

    offset = server_time - (client_send + client_receive) / 2

and the error is at most half the round trip (the asymmetry of the two legs cannot be
seen from one side). So of several samples the one with the shortest round trip is the
most trustworthy, not their mean: one slow leg would drag a mean by half its delay.

The browser runs this rule (web/static/js/clocksync.js); the server never does, it only
stamps `server_time`. This Python statement of it lives with the tests: it is the
reference both are checked against (tests/js/clocksync_cases.json, tests/test_clocksync.py)
and what test_signaling_timer.py uses to measure a real server the way a page does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rooms.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Sample:
    client_send: float
    server_time: float
    client_receive: float

    @property
    def round_trip(self) -> float:
        return self.client_receive - self.client_send

    @property
    def offset(self) -> float:
        return self.server_time - (self.client_send + self.client_receive) / 2


def estimate_offset(samples: Iterable[Sample]) -> float:
    """Offset (server minus client, seconds) of the sample with the shortest round trip.

    Samples whose answer seems to arrive before the question was sent are dropped: the
    client clock was adjusted in between, and such a sample says nothing.
    """
    usable = [s for s in samples if s.round_trip >= 0]
    if not usable:
        raise InvalidInput("At least one clock sample is needed.", field="samples")
    return min(usable, key=lambda s: s.round_trip).offset


def server_now(client_now: float, offset: float) -> float:
    return client_now + offset


def displayed_remaining(last_shown: float | None, estimate: float) -> float:
    """The remaining time to show, given what was shown last and a fresh estimate.

    Rule: while one timer state (one `version`) is on screen, the shown remaining time
    never increases from one frame to the next, i.e. the shown clock never goes back in
    time, even when a better offset estimate arrives that would put it back. If the new
    estimate shows *more* time left, the display holds at the last value until real
    time catches up; if it shows less, the display moves forward at once (skipping ahead
    is not a rewind). A new state may add time (extend), so on a version change pass
    `last_shown=None` and the estimate is taken as it is.
    """
    if last_shown is None:
        return estimate
    return min(last_shown, estimate)
