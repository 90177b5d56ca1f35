"""Ending a credential disconnects its sockets now, on every namespace and every process.

Each namespace indexes its sockets by the credentials they were admitted with
(signaling/base.py, rooms/revocation.py). `Revocations` is the one `Revoke` the app
factory builds: it cuts the sockets of this process at once and, with Redis, publishes
the revocation on the Socket.IO channel, where every other process's manager
(signaling/pubsub.py) hands it to its own `Revocations`. Each socket is sent `revoked`
{reason} before it is disconnected, so the page can say why (docs/protocol.md).

Publishing is at-most-once like every pub/sub message; the store already refuses the old
credential at connect, so a process that missed it (it was cut off from Redis) holds only
sockets that cannot come back once they drop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from redis.asyncio import Redis

from rooms.errors import StoreUnavailable
from rooms.revocation import RevokeReason
from signaling import fastjson

logger = logging.getLogger(__name__)

METHOD = "tandem-revoke"  # a pub/sub message method python-socketio itself ignores


class Revocable(Protocol):
    """A namespace: signaling/base.py Namespace."""

    async def revoke(self, credential: str, reason: RevokeReason) -> int: ...


class Publisher(Protocol):
    async def publish_revocation(self, credential: str, reason: RevokeReason) -> None: ...


def message(credential: str, reason: RevokeReason, host_id: str) -> dict[str, str]:
    return {"method": METHOD, "credential": credential, "reason": reason.value, "host_id": host_id}


class Revocations:
    def __init__(self) -> None:
        self._namespaces: list[Revocable] = []
        self._publisher: Publisher | None = None

    def watch(self, namespaces: Iterable[Revocable], publisher: Publisher | None) -> None:
        self._namespaces = list(namespaces)
        self._publisher = publisher

    async def __call__(self, credential: str, reason: RevokeReason) -> None:
        cut = await self.here(credential, reason)
        if self._publisher is not None:
            try:
                await self._publisher.publish_revocation(credential, reason)
            except StoreUnavailable:
                # Already changed in the store: the other processes' sockets cannot
                # come back, but stay until they drop. Said in the log, not to the coach.
                logger.error("revocation not published to the other processes")
        logger.info("credential revoked (%s): %d socket(s) here", reason.value, cut)

    async def here(self, credential: str, reason: RevokeReason) -> int:
        cut = 0
        for namespace in self._namespaces:
            cut += await namespace.revoke(credential, reason)
        return cut

    async def received(self, data: dict[str, Any]) -> None:
        """A revocation another process published."""
        credential, reason = data.get("credential"), data.get("reason")
        if isinstance(credential, str) and reason in set(RevokeReason):
            await self.here(credential, RevokeReason(reason))


class RedisRevocations:
    """For the CLI, which has no Socket.IO server: publishes on the channel the serving
    processes listen on, so `tandem engagement rotate` cuts connected sockets too."""

    def __init__(self, client: Redis, channel: str = "tandem-socketio") -> None:
        self._client = client
        self._channel = channel

    async def __call__(self, credential: str, reason: RevokeReason) -> None:
        data = fastjson.dumps(message(credential, reason, "cli"))
        await self._client.publish(self._channel, data)
