"""A Socket.IO client at the packet level, for sending what no library client would:
undecodable JSON, non-list events, mismatched binary placeholders, floods without
waiting for acks. Speaks engine.io 4 over one aiohttp websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

TIMEOUT = 10.0


class RawSocket:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.http = aiohttp.ClientSession()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.acks: dict[int, Any] = {}
        self.events: list[tuple[str, Any]] = []
        self.closed = asyncio.Event()
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._next_id = 0

    async def connect(self, base: str, auth: dict[str, Any], cookie: str | None = None) -> None:
        headers = {"Cookie": f"tandem_session={cookie}"} if cookie else {}
        url = base.rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.http.ws_connect(url, headers=headers, max_msg_size=0)
        opening = await self.ws.receive_str(timeout=TIMEOUT)
        assert opening.startswith("0"), opening
        await self.ws.send_str(f"40{self.namespace},{json.dumps(auth)}")
        while True:
            reply = await self.ws.receive_str(timeout=TIMEOUT)
            if reply.startswith(f"40{self.namespace},"):
                break
            assert not reply.startswith(f"44{self.namespace},"), reply
        self._reader = asyncio.create_task(self._read())

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def send(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send_str(text)

    async def send_bytes(self, data: bytes) -> None:
        assert self.ws is not None
        await self.ws.send_bytes(data)

    async def emit(self, *data: Any) -> int:
        """An event with an ack id, as `42<ns>,<id>[...]`; returns the id."""
        id = self.new_id()
        await self.send(f"42{self.namespace},{id}{json.dumps(list(data))}")
        return id

    async def raw_event(self, body: str) -> int:
        """`body` is sent verbatim after the header: anything, valid JSON or not."""
        id = self.new_id()
        await self.send(f"42{self.namespace},{id}{body}")
        return id

    async def ack(self, id: int, timeout: float = TIMEOUT) -> Any:
        async with asyncio.timeout(timeout):
            while id not in self.acks:
                if self.closed.is_set():
                    raise ConnectionError("socket closed before the ack")
                self._arrived.clear()
                await self._arrived.wait()
        return self.acks[id]

    async def call(self, *data: Any) -> Any:
        return await self.ack(await self.emit(*data))

    async def _read(self) -> None:
        assert self.ws is not None
        prefix_ack, prefix_event = f"43{self.namespace},", f"42{self.namespace},"
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            text = message.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith(prefix_ack):
                rest = text[len(prefix_ack) :]
                digits = len(rest) - len(rest.lstrip("0123456789"))
                self.acks[int(rest[:digits])] = json.loads(rest[digits:])[0]
            elif text.startswith(prefix_event):
                name, *payload = json.loads(text[len(prefix_event) :])
                self.events.append((name, payload[0] if payload else None))
            self._arrived.set()
        self.closed.set()
        self._arrived.set()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader
        await self.http.close()
