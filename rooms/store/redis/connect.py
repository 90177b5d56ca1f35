"""Where Redis is: one URL, or Sentinels that know which server is the master right now.

With Sentinel (REDIS_SENTINELS), every client asks the Sentinels for the master's address
each time it opens a connection, so after a failover (master lost, replica promoted) the
next connection reaches the new master by itself. The URL still gives the database
number, user and password. A connection to a master that was demoted answers READONLY;
redis-py's Sentinel connection drops it and the caller gets `unavailable` (base.py), so
writes during the switch are refused clearly rather than lost.

The store and the Socket.IO manager each open their own connections through a Connector,
which also closes the connections to the Sentinels it made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisError

SENTINEL_TIMEOUT = 1.0  # asking a Sentinel is quick, or that Sentinel is gone


@dataclass(frozen=True, slots=True)
class RedisTarget:
    url: str
    sentinels: tuple[tuple[str, int], ...] = ()
    master: str = "tandem"
    wait_replicas: int = 0  # board edits wait for this many replicas (WAIT), at most all
    wait_ms: int = 1000

    @classmethod
    def of(
        cls,
        url: str,
        sentinels: Iterable[str] = (),
        master: str = "tandem",
        *,
        wait_replicas: int = 0,
        wait_ms: int = 1000,
    ) -> RedisTarget:
        """`sentinels` as `host:port` strings (server/config.py has checked them)."""
        pairs = []
        for entry in sentinels:
            host, _, port = entry.rpartition(":")
            pairs.append((host.strip("[]"), int(port)))
        return cls(url, tuple(pairs), master, wait_replicas, wait_ms)


class Connector:
    def __init__(self, target: RedisTarget) -> None:
        self.target = target
        self._sentinels: list[Sentinel] = []

    def client(self, **options: Any) -> Redis:
        """A client for the current master; `options` as for `Redis.from_url`."""
        if not self.target.sentinels:
            return Redis.from_url(self.target.url, **options)
        parts = urlsplit(self.target.url)
        database = int(parts.path.lstrip("/") or 0)
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            list(self.target.sentinels),
            sentinel_kwargs={
                "socket_timeout": SENTINEL_TIMEOUT,
                "socket_connect_timeout": SENTINEL_TIMEOUT,
            },
        )
        self._sentinels.append(sentinel)
        client: Redis = sentinel.master_for(
            self.target.master,
            redis_class=Redis,
            db=database,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            **options,
        )
        return client

    async def aclose(self) -> None:
        """Closes the connections to the Sentinels (each client closes its own pool)."""
        for sentinel in self._sentinels:
            for client in sentinel.sentinels:
                with contextlib.suppress(RedisError, OSError):
                    await client.aclose()
        self._sentinels.clear()
