"""The Redis connection every area module shares, and how its failures surface.

Each method that decides a race is one Lua script (or one MULTI), which Redis runs
atomically, so the rule holds across every process sharing the server. A method returns
only after Redis has accepted the write; with `appendonly yes` and `appendfsync everysec`
that write reaches the disk within a second (docs/deploy.md says what each setting loses).

Any connection failure becomes StoreUnavailable, which the web and Socket.IO layers turn
into a clear "try again" answer instead of a crash or a silently dropped edit.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from rooms.errors import StoreUnavailable

logger = logging.getLogger(__name__)

PREFIX = "tandem:"
P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="RedisBase")


def unavailable() -> StoreUnavailable:
    return StoreUnavailable("The server cannot save right now. Try again in a moment.")


def guarded(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Turns a lost or refused Redis connection into StoreUnavailable."""

    @functools.wraps(method)
    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            logger.warning("redis unreachable in %s: %s", method.__name__, exc)
            raise unavailable() from exc
        except RedisError as exc:
            if "LOADING" in str(exc) or "MISCONF" in str(exc):
                raise unavailable() from exc
            raise

    return wrapper


def keyname(*parts: str) -> str:
    return PREFIX + ":".join(parts)


class RedisBase:
    """`node` names this process; seats carry it so a dead process's seats can expire."""

    def __init__(self, redis: Redis, node: str) -> None:
        self._redis = redis
        self._node = node
        self._scripts: dict[str, AsyncScript] = {}
        self._wait_replicas = 0  # set by RedisStore from its RedisTarget
        self._wait_ms = 1000
        self._replicas = 0  # connected replicas, as the master last said

    def _registered(self, source: str) -> AsyncScript:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self._redis.register_script(source)
        return script

    async def _script(self, source: str, keys: list[str], args: list[str | float | int]) -> Any:
        """EVALSHA with a reload on NOSCRIPT (a restarted Redis has an empty script cache)."""
        return await self._registered(source)(keys=keys, args=args)

    async def _script_replicated(
        self, source: str, keys: list[str], args: list[str | float | int]
    ) -> Any:
        """`_script`, answered only once the replicas hold its write (REDIS_WAIT_REPLICAS,
        at most as many as are connected): then a failover cannot lose it. WAIT counts the
        writes of its own connection, so both go down one connection (a pipeline)."""
        needed = min(self._wait_replicas, self._replicas)
        if needed == 0:
            return await self._script(source, keys, args)
        async with self._redis.pipeline(transaction=False) as pipe:
            await self._registered(source)(keys=keys, args=args, client=pipe)
            pipe.wait(needed, self._wait_ms)
            outcome, copies = await pipe.execute()
        if int(copies) < needed:
            self._replicas = await self._connected_replicas()  # one may have just gone
            if int(copies) < min(self._wait_replicas, self._replicas):
                logger.warning("a write reached %s of %s replicas in time", copies, needed)
                raise unavailable()  # the page re-sends it by its op id
        return outcome

    async def _connected_replicas(self) -> int:
        info = await self._redis.info("replication")
        return int(info.get("connected_slaves", 0))


def text(value: object) -> str:
    """The client decodes responses; this narrows redis-py's `bytes | str` for mypy."""
    if not isinstance(value, str):
        raise TypeError(f"expected a decoded Redis string, got {type(value).__name__}")
    return value


def texts(mapping: Mapping[Any, Any]) -> dict[str, str]:
    return {text(k): text(v) for k, v in mapping.items()}
