"""Prometheus metrics for one process: its own registry, built once per app.

Nothing here uses prometheus_client's global default registry: tests build many apps in
one interpreter, and each must count only its own traffic. Each process exposes its own
numbers at /metrics (docs/deploy.md shows the scrape config for several).

What a label may hold is fixed by the code: namespaces, event names, error codes,
backends, outcomes. Names, e-mail addresses, engagement ids and tokens never appear.
Gauges that describe live state (seats, rooms in call, echo sessions) are read when
scraped, from the parts that own that state, so they cannot drift.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from rooms.models import Role
from rooms.store import Store
from signaling.protocol import BOARD_NAMESPACE, TIMER_NAMESPACE, BoardEvent

LOOP_LAG_EVERY = 0.5  # seconds between event-loop lag probes
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SETUP = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)

Probe = Callable[[], Awaitable[None]]


class Metrics:
    """Implements signaling.observed.SignalObserver; every other part gets the one
    instrument it feeds, passed explicitly by create_app."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.sockets = Gauge(
            "tandem_sockets_connected", "Connected sockets", ["namespace"], registry=r
        )
        self.refusals = Counter(
            "tandem_socket_refused", "Refused connections", ["namespace", "code"], registry=r
        )
        self.messages = Counter(
            "tandem_socket_messages", "Client events handled", ["namespace", "event"], registry=r
        )
        self.errors = Counter(
            "tandem_socket_errors",
            "Client events answered with an error",
            ["namespace", "event", "code"],
            registry=r,
        )
        self.board_ops = Counter("tandem_board_ops", "Board operations", ["outcome"], registry=r)
        self.board_commit = Histogram(
            "tandem_board_commit_seconds",
            "From receiving a board op to its ack (includes the store commit)",
            buckets=FAST,
            registry=r,
        )
        self.timer_events = Counter(
            "tandem_timer_events", "Timer events handled", ["event"], registry=r
        )
        self.call_setup = Histogram(
            "tandem_call_setup_seconds",
            "From both people in the room to the page's peer connection connected",
            buckets=SETUP,
            registry=r,
        )
        self.seats = Gauge("tandem_seats_held", "Seats held by this process's sockets", registry=r)
        self.rooms_in_call = Gauge(
            "tandem_rooms_in_call",
            "Rooms with both seats taken, counted by the process holding the coach's seat",
            registry=r,
        )
        self.store_latency = Histogram(
            "tandem_store_seconds", "Store call latency", ["backend"], buckets=FAST, registry=r
        )
        self.store_errors = Counter(
            "tandem_store_errors", "Failed store calls", ["backend", "code"], registry=r
        )
        self.publish_latency = Histogram(
            "tandem_redis_publish_seconds",
            "Publishing one Socket.IO message to the other processes",
            buckets=FAST,
            registry=r,
        )
        self.publish_errors = Counter(
            "tandem_redis_publish_errors",
            "Socket.IO messages that could not be published",
            registry=r,
        )
        self.loop_lag = Histogram(
            "tandem_event_loop_lag_seconds",
            "How late the event loop ran a timer (a busy loop delays every socket)",
            buckets=FAST,
            registry=r,
        )
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        self._probes: list[Probe] = []

    # signaling.observed.SignalObserver
    def connected(self, namespace: str) -> None:
        self.sockets.labels(namespace=namespace).inc()

    def refused(self, namespace: str, code: str) -> None:
        self.refusals.labels(namespace=namespace, code=code).inc()

    def disconnected(self, namespace: str) -> None:
        self.sockets.labels(namespace=namespace).dec()

    def handled(self, namespace: str, event: str, code: str | None, seconds: float) -> None:
        self.messages.labels(namespace=namespace, event=event).inc()
        if code is not None:
            self.errors.labels(namespace=namespace, event=event, code=code).inc()
        if namespace == BOARD_NAMESPACE and event == BoardEvent.OP:
            self.board_ops.labels(outcome="applied" if code is None else "refused").inc()
            if code is None:
                self.board_commit.observe(seconds)
        elif namespace == TIMER_NAMESPACE:
            self.timer_events.labels(event=event).inc()

    def published(self, seconds: float, failed: bool) -> None:
        """signaling.pubsub.RedisManager's hook."""
        if failed:
            self.publish_errors.inc()
        else:
            self.publish_latency.observe(seconds)

    def probe(self, refresh: Probe) -> None:
        """`refresh` sets live gauges; it runs before each scrape."""
        self._probes.append(refresh)

    def collect_from(self, collector: Collector) -> None:
        self.registry.register(collector)

    async def refresh(self) -> None:
        for refresh in self._probes:
            with contextlib.suppress(Exception):  # a store outage must not hide the rest
                await refresh()

    async def watch_loop(self, app: object = None) -> AsyncIterator[None]:
        """cleanup_ctx: measures event-loop lag for as long as the app runs."""
        task = asyncio.create_task(self._measure_lag())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _measure_lag(self) -> None:
        while True:
            planned = time.perf_counter() + LOOP_LAG_EVERY
            await asyncio.sleep(LOOP_LAG_EVERY)
            self.loop_lag.observe(max(0.0, time.perf_counter() - planned))


def room_probe(
    metrics: Metrics, seats_here: Callable[[], list[tuple[str, Role]]], store: Store
) -> Probe:
    """Seats from this process's sockets; a room in call is counted by the process that
    holds its coach's seat, so the sum over processes counts each room once."""

    async def refresh() -> None:
        seats = seats_here()
        metrics.seats.set(len(seats))
        coached = {engagement_id for engagement_id, role in seats if role is Role.COACH}
        in_call = 0
        for engagement_id in coached:
            if len(await store.seats(engagement_id)) == 2:
                in_call += 1
        metrics.rooms_in_call.set(in_call)

    return refresh


class EchoCollector(Collector):
    """Echo peer sessions in use and refused, read from the echo service when scraped."""

    def __init__(self, read: Callable[[], tuple[int, int]]) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        in_use, refused = self._read()
        yield GaugeMetricFamily("tandem_echo_sessions", "Tech-check echo sessions in use", in_use)
        yield CounterMetricFamily(
            "tandem_echo_refused", "Tech-check echo sessions refused at capacity", refused
        )
