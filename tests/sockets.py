"""A Socket.IO test client that records every event, so tests wait for events, not time."""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict
from typing import Any

import aiohttp
import socketio

from rooms.accounts import SESSION_COOKIE
from signaling.protocol import ROOM_NAMESPACE
from tests.helpers import Pair

TIMEOUT = 10.0


class Recorder:
    def __init__(
        self,
        namespace: str = ROOM_NAMESPACE,
        http: aiohttp.ClientSession | None = None,
        *,
        reconnect: bool = False,
    ) -> None:
        """`reconnect`: reconnect by itself after a dropped connection, as a page does;
        each (re)connection is recorded as a `connect` event."""
        self.namespace = namespace
        # Our own HTTP session, closed in close(): engineio leaves its own open when a
        # connection is refused, which would surface as a ResourceWarning.
        self.http = http or aiohttp.ClientSession()
        self.sio = socketio.AsyncClient(
            reconnection=reconnect,
            reconnection_delay=0.1,
            reconnection_delay_max=0.5,
            randomization_factor=0.2,
            http_session=self.http,
        )
        self.queues: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.device = secrets.token_urlsafe(16)

        @self.sio.on("*", namespace=namespace)  # type: ignore[misc]
        async def record(event: str, data: Any = None) -> None:
            await self.queues[event].put(data)

        @self.sio.on("disconnect", namespace=namespace)  # type: ignore[misc]
        async def gone(reason: Any = None) -> None:
            await self.queues["disconnect"].put(reason)

        @self.sio.on("connect", namespace=namespace)  # type: ignore[misc]
        async def came() -> None:
            await self.queues["connect"].put(None)

    async def connect(
        self,
        url: str,
        auth: dict[str, Any],
        *,
        cookie: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        all_headers = dict(headers or {})
        if cookie:
            all_headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
        await self.sio.connect(
            url,
            namespaces=[self.namespace],
            auth=auth,
            headers=all_headers,
            transports=["websocket"],
            wait_timeout=TIMEOUT,
        )

    async def call(self, event: str, payload: Any = None) -> Any:
        return await self.sio.call(event, payload, namespace=self.namespace, timeout=TIMEOUT)

    async def next(self, event: str, timeout: float = TIMEOUT) -> Any:
        return await asyncio.wait_for(self.queues[event].get(), timeout)

    async def until(self, event: str, predicate: Any, timeout: float = TIMEOUT) -> Any:
        """The first `event` whose data satisfies `predicate` (earlier ones are consumed)."""
        async with asyncio.timeout(timeout):
            while True:
                data = await self.queues[event].get()
                if predicate(data):
                    return data

    def pending(self, event: str) -> int:
        return self.queues[event].qsize()

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.http.close()


async def coach(url: str, pair: Pair) -> Recorder:
    recorder = Recorder()
    await recorder.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)
    return recorder


async def client(url: str, pair: Pair) -> Recorder:
    recorder = Recorder()
    await recorder.connect(url, {"invite": pair.invite})
    return recorder
