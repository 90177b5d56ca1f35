"""Storage: the Protocol the app codes against, and the factory that picks a backend."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rooms.errors import InvalidInput
from rooms.store.protocol import (
    AccountStore,
    BoardStore,
    EngagementStore,
    RehearsalStore,
    SessionStore,
    Store,
    TechCheckStore,
    TimerStore,
)

if TYPE_CHECKING:  # the redis package is imported only when Redis is used
    from rooms.store.redis.connect import RedisTarget

__all__ = (
    "AccountStore",
    "BoardStore",
    "EngagementStore",
    "RehearsalStore",
    "SessionStore",
    "Store",
    "TechCheckStore",
    "TimerStore",
    "open_store",
    "store_url",
)


def store_url(redis_url: str | None, data_dir: Path) -> str:
    """Redis when configured (scale-out), otherwise SQLite inside the data dir."""
    return redis_url or f"sqlite:///{data_dir / 'tandem.sqlite3'}"


async def open_store(url: str, redis: RedisTarget | None = None) -> Store:
    """`redis` adds Sentinel and replica waits to a redis:// URL (rooms/store/redis/connect.py)."""
    if url.startswith("sqlite:///"):
        from rooms.store.sqlite import SqliteStore

        return await SqliteStore.open(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("redis://", "rediss://", "unix://")):
        from rooms.store.redis import RedisStore

        return await RedisStore.open(url, redis)
    raise InvalidInput(f"Unsupported store URL scheme: {url.split(':', 1)[0]}", field="url")
