"""Socket.IO across processes: python-socketio's Redis manager, made outage-tolerant.

Upstream's manager (5.16+: JSON, not pickle, on the channel) is used as is for routing,
delivering to this process's sockets through signaling/delivery.py. Two parts are replaced:

- resubscribing: upstream backs off 1, 2, 4, … up to 60 seconds between attempts, so a
  process can stay deaf to other processes for 16 s after a 15 s outage; here it retries
  every RESUBSCRIBE_EVERY seconds, so every process is back within a second or two;
- connections: upstream makes a new client on every failure and never closes the old
  one; here one publishing client (which reconnects by itself) and one listening
  connection per subscription, each closed when done.

Pub/sub is at-most-once: a message that cannot be published raises StoreUnavailable, so
the sender's ack says so; clients resync state by version when they reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff
from redis.exceptions import RedisError

from rooms.errors import StoreUnavailable
from rooms.revocation import RevokeReason
from rooms.store.redis.connect import Connector, RedisTarget
from signaling import fastjson
from signaling.delivery import DirectEmit
from signaling.revocation import METHOD, message

logger = logging.getLogger(__name__)

RESUBSCRIBE_EVERY = 0.5
PUBLISH_TIMEOUT = 3.0


class RedisManager(socketio.AsyncRedisManager, DirectEmit):  # type: ignore[misc]
    def __init__(
        self,
        url: str,
        channel: str = "tandem-socketio",
        *,
        on_publish: Callable[[float, bool], None] = lambda seconds, failed: None,
        target: RedisTarget | None = None,
    ) -> None:
        """`target` adds Sentinel to the plain URL (rooms/store/redis/connect.py)."""
        super().__init__(url, channel=channel, json=fastjson)
        self._connector = Connector(target or RedisTarget(url))
        self._on_publish = on_publish  # (seconds, failed), for /metrics
        self.subscribed = False
        self.subscriptions = 0  # how many times a subscription was (re)established
        self._publisher: Redis | None = None
        self._listener: Redis | None = None
        # Set by the app factory: where a revocation from another process goes.
        self.on_revocation: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    async def publish_revocation(self, credential: str, reason: RevokeReason) -> None:
        await self._publish(message(credential, reason, self.host_id))

    async def _listen(self) -> AsyncIterator[Any]:
        """Upstream's, with revocations (signaling/revocation.py) taken out of the stream:
        python-socketio would ignore their method."""
        async for data in super()._listen():
            decoded = _decoded(data) if b"tandem-revoke" in _bytes(data) else None
            if decoded is None or decoded.get("method") != METHOD:
                yield data
            elif decoded.get("host_id") != self.host_id and self.on_revocation is not None:
                try:
                    await self.on_revocation(decoded)
                except Exception:  # one bad revocation must not stop the listener
                    logger.exception("revocation from another process not applied")

    def _client(self) -> Redis:
        if self._publisher is None:
            self._publisher = self._connector.client(
                socket_timeout=PUBLISH_TIMEOUT,
                socket_connect_timeout=PUBLISH_TIMEOUT,
                retry=Retry(ConstantBackoff(0.05), 1),
            )
        return self._publisher

    async def _publish(self, data: Any) -> Any:
        started = time.perf_counter()
        try:
            receivers = await self._client().publish(self.channel, self.json.dumps(data))
        except (RedisError, OSError) as exc:
            self._on_publish(time.perf_counter() - started, True)
            # Raised, not swallowed: the sender's ack says the message did not go out.
            logger.error("cannot publish to redis: %s", exc)
            raise StoreUnavailable(
                "The connection between servers is down. Try again in a moment."
            ) from exc
        self._on_publish(time.perf_counter() - started, False)
        return receivers

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        if self._listener is None:
            # No socket timeout: a quiet channel is not an error. Keepalive and health
            # checks notice a dead server.
            self._listener = self._connector.client(socket_keepalive=True, health_check_interval=5)
        while True:
            pubsub: PubSub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed = True
                self.subscriptions += 1
                if self.subscriptions > 1:
                    logger.warning("resubscribed to redis channel %s", self.channel)
                async for message in pubsub.listen():
                    yield message
            except (RedisError, OSError) as exc:
                if self.subscribed:
                    logger.error("lost the redis subscription: %s; retrying", exc)
            finally:
                self.subscribed = False
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(RESUBSCRIBE_EVERY)

    def is_ready(self) -> bool:
        return self.subscribed

    async def aclose(self) -> None:
        """Stops listening and closes both connections (upstream leaves them open)."""
        thread = getattr(self, "thread", None)
        if isinstance(thread, asyncio.Task):
            thread.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await thread
        for client in (self._publisher, self._listener):
            if client is not None:
                with contextlib.suppress(RedisError, OSError):
                    await client.aclose()
        self._publisher = self._listener = None
        await self._connector.aclose()


def _bytes(data: Any) -> bytes:
    return data if isinstance(data, bytes) else str(data).encode()


def _decoded(data: Any) -> dict[str, Any] | None:
    try:
        decoded = fastjson.loads(data)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None
