"""Clients with wrong clocks and uneven networks still count down with the server."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from rooms.errors import InvalidInput
from rooms.timer import DEFAULT_AGENDA, fresh, from_record, phases_for, remaining, start, to_wire
from tests.clocksync import Sample, displayed_remaining, estimate_offset, server_now

SERVER_T0 = 1_800_000_000.0
CASES = Path(__file__).parent / "js" / "clocksync_cases.json"


class SimulatedClient:
    """A client whose clock is `skew` seconds off the server's, on a lopsided network:
    the uplink is slow and spiky, the downlink fast, both jittery."""

    def __init__(self, skew: float, rng: random.Random) -> None:
        self.skew = skew
        self.rng = rng

    def uplink(self) -> float:
        spike = self.rng.random() < 0.3
        return 0.02 + self.rng.expovariate(1 / 0.08) + (self.rng.uniform(0.5, 3) if spike else 0)

    def downlink(self) -> float:
        return 0.01 + self.rng.expovariate(1 / 0.02)

    def ping(self, true_now: float) -> tuple[Sample, float]:
        """One sync round trip starting at `true_now`; returns the sample and the true
        time it completed."""
        up, down = self.uplink(), self.downlink()
        sample = Sample(
            client_send=true_now + self.skew,
            server_time=true_now + up,
            client_receive=true_now + up + down + self.skew,
        )
        return sample, true_now + up + down


@pytest.mark.parametrize("skew", [+600.0, -180.0])
@pytest.mark.parametrize("seed", range(5))
def test_skewed_clients_agree_with_the_server_within_250_ms(skew: float, seed: int) -> None:
    client = SimulatedClient(skew, random.Random(seed))
    true_now = SERVER_T0
    samples = []
    for _ in range(8):
        sample, true_now = client.ping(true_now)
        samples.append(sample)
        true_now += 1.0
    offset = estimate_offset(samples)

    state = start(fresh(3600, phases_for(DEFAULT_AGENDA, 3600)), SERVER_T0)
    snapshot = to_wire(state, true_now)  # what the client received
    for later in (0.0, 17.3, 1234.5):
        at = true_now + 5 + later
        local = remaining(from_record(snapshot), server_now(at + skew, offset))
        assert abs(local - remaining(state, at)) < 0.25


def test_the_mean_would_not_do_on_a_lopsided_network() -> None:
    """Guards the choice of the fastest sample: the mean is off by seconds here."""
    client = SimulatedClient(0.0, random.Random(1))
    samples = [client.ping(SERVER_T0 + i)[0] for i in range(8)]
    mean = sum(s.offset for s in samples) / len(samples)
    assert abs(mean) > 0.25
    assert abs(estimate_offset(samples)) < 0.25


def test_the_sample_with_the_shortest_round_trip_wins() -> None:
    samples = [
        Sample(100.0, 50.0, 102.0),  # round trip 2 s, offset -51
        Sample(200.0, 149.6, 200.2),  # round trip 0.2 s, offset -50.5
        Sample(300.0, 251.0, 300.5),  # round trip 0.5 s, offset -49.25
    ]
    assert estimate_offset(samples) == pytest.approx(-50.5)


def test_samples_from_a_clock_that_jumped_are_ignored() -> None:
    assert estimate_offset([Sample(10.0, 99.0, 9.0), Sample(10.0, 20.5, 11.0)]) == 10.0
    with pytest.raises(InvalidInput):
        estimate_offset([Sample(10.0, 99.0, 9.0)])
    with pytest.raises(InvalidInput):
        estimate_offset([])


def test_the_display_never_goes_back_in_time() -> None:
    true_remaining = [600.0, 599.0, 598.0, 597.0, 596.0, 595.0]
    offset_error = [0.0, 0.0, -1.5, -1.5, +0.3, +0.3]  # a re-estimate, then another
    shown: list[float] = []
    last: float | None = None
    for actual, error in zip(true_remaining, offset_error, strict=True):
        last = displayed_remaining(last, actual - error)
        shown.append(last)
    assert shown == pytest.approx([600.0, 599.0, 599.0, 598.5, 595.7, 594.7])
    assert all(b <= a for a, b in itertools.pairwise(shown))


def test_a_new_state_may_add_time() -> None:
    assert displayed_remaining(120.0, 420.0) == 120.0
    assert displayed_remaining(None, 420.0) == 420.0


def test_the_browser_module_follows_the_same_cases() -> None:
    """tests/js/clocksync.test.js runs web/static/js/clocksync.js on these same cases."""
    cases = json.loads(CASES.read_text(encoding="utf-8"))
    for case in cases["offsets"]:
        samples = [Sample(*raw) for raw in case["samples"]]
        assert estimate_offset(samples) == pytest.approx(case["offset"], abs=1e-9)
    for case in cases["display"]:
        assert displayed_remaining(case["last_shown"], case["estimate"]) == case["shown"]
