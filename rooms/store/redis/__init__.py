"""The scale-out backend: every process of one deployment shares one Redis.

Each area lives in its own module, mirroring rooms/store/sqlite/; RedisStore composes
them, so a new feature adds a mixin and one base class here.

A process announces itself with a heartbeat key (`tandem:node:<id>`, renewed every few
seconds, expiring after NODE_TTL): seats held by a process that died without cleaning up
count as empty once its key expires, which is what clearing the seats at start-up does
for the single-process SQLite backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff
from redis.exceptions import RedisError

from rooms.errors import StoreUnavailable
from rooms.lifecycle import ErasureRecord
from rooms.store.erasure import erase_parts
from rooms.store.redis.accounts import AccountsMixin
from rooms.store.redis.agreements import AgreementsMixin
from rooms.store.redis.base import guarded, unavailable
from rooms.store.redis.boards import BoardsMixin
from rooms.store.redis.connect import Connector, RedisTarget
from rooms.store.redis.engagements import EngagementsMixin
from rooms.store.redis.lifecycle import LifecycleMixin
from rooms.store.redis.messages import MessagesMixin
from rooms.store.redis.notices import NoticesMixin
from rooms.store.redis.rehearsals import RehearsalsMixin
from rooms.store.redis.seats import SeatsMixin, node_key
from rooms.store.redis.sessions import SessionsMixin
from rooms.store.redis.techchecks import TechChecksMixin
from rooms.store.redis.timers import TimersMixin
from rooms.tokens import new_id

__all__ = ("NODE_TTL", "RedisStore")

logger = logging.getLogger(__name__)

NODE_TTL = 30  # seconds a process's seats outlive its last heartbeat
HEARTBEAT = 5.0
AOF_ATTEMPTS, AOF_RETRY = 100, 0.1  # waiting up to ~10 s for a running rewrite to end
TIMEOUT = 3.0  # per command: an outage answers "unavailable" quickly instead of hanging


class RedisStore(
    AccountsMixin,
    EngagementsMixin,
    SeatsMixin,
    TimersMixin,
    TechChecksMixin,
    BoardsMixin,
    AgreementsMixin,
    LifecycleMixin,
    RehearsalsMixin,
    SessionsMixin,
    MessagesMixin,
    NoticesMixin,
):
    def __init__(self, redis: Redis, node: str, connector: Connector | None = None) -> None:
        super().__init__(redis, node)
        self._heartbeat: asyncio.Task[None] | None = None
        self._handed_over = False
        self._connector = connector
        if connector is not None:
            self._wait_replicas = connector.target.wait_replicas
            self._wait_ms = connector.target.wait_ms

    @classmethod
    async def open(cls, url: str, target: RedisTarget | None = None) -> RedisStore:
        """`target` adds Sentinel and replica waits to the plain URL (connect.py)."""
        connector = Connector(target or RedisTarget(url))
        redis = connector.client(
            decode_responses=True,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            health_check_interval=10,
            retry=Retry(ConstantBackoff(0.05), 1),
        )
        store = cls(redis, new_id(), connector)
        try:
            await store._beat()
            await store._check_durability()
        except Exception:
            await redis.aclose()
            await connector.aclose()
            raise
        store._heartbeat = asyncio.create_task(store._keep_beating())
        return store

    async def _beat(self) -> None:
        await self._redis.set(node_key(self._node), "1", ex=NODE_TTL)
        if self._wait_replicas:
            self._replicas = await self._connected_replicas()

    async def _keep_beating(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._beat()
            except (RedisError, OSError) as exc:
                logger.warning("redis heartbeat failed: %s", exc)

    async def _check_durability(self) -> None:
        """Acknowledged edits survive a Redis crash only with append-only persistence."""
        try:
            config = await self._redis.config_get("appendonly")
        except RedisError as exc:  # CONFIG may be disabled on managed Redis
            logger.warning("could not check Redis persistence (%s); make sure appendonly=yes", exc)
            return
        if config.get("appendonly") != "yes":
            logger.warning(
                "REDIS RUNS WITHOUT APPEND-ONLY PERSISTENCE: acknowledged edits can be lost "
                "when Redis restarts. Set `appendonly yes` and `appendfsync everysec` "
                "(see docs/deploy.md)."
            )

    async def erase_engagement(self, engagement_id: str, record: ErasureRecord) -> None:
        for part in erase_parts(self):
            await part(engagement_id)
        await self.record_erasure(record)
        await self._rewrite_aof()

    async def _rewrite_aof(self) -> None:
        """The append-only file still holds every erased write until Redis rewrites it.
        A rewrite already running started before the erasure (its snapshot still holds
        the data), so wait for it and start a new one."""
        for _ in range(AOF_ATTEMPTS):
            try:
                await self._redis.bgrewriteaof()
                return
            except RedisError as exc:
                if "in progress" not in str(exc):  # disabled on some managed Redis
                    logger.warning("could not rewrite the append-only file: %s", exc)
                    return
            await asyncio.sleep(AOF_RETRY)
        logger.warning("the append-only file was not rewritten after an erasure; run BGREWRITEAOF")

    @guarded
    async def hand_over_seats(self, grace: float) -> None:
        """Our heartbeat key now expires after `grace` instead of being renewed or deleted,
        and close() keeps our seats: they count as held exactly that long."""
        self._handed_over = True
        await self._stop_beating()
        await self._redis.expire(node_key(self._node), max(1, math.ceil(grace)))

    async def _stop_beating(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None

    @guarded
    async def ping(self) -> None:
        if not await self._redis.ping():
            raise unavailable()

    async def close(self) -> None:
        await self._stop_beating()
        if not self._handed_over:
            # Redis may be away while we stop; our seats then expire with our heartbeat key.
            with contextlib.suppress(RedisError, OSError, StoreUnavailable):
                await self.clear_seats()  # our sockets are closing: free their seats now
                await self._redis.delete(node_key(self._node))
        await self._redis.aclose()
        if self._connector is not None:
            await self._connector.aclose()
