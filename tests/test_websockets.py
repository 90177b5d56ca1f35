"""Socket.IO websockets decline permessage-deflate (server/websockets.py)."""

from __future__ import annotations

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer


async def test_a_browser_offering_deflate_gets_plain_frames(server: TestServer) -> None:
    url = server.make_url("/socket.io/?EIO=4&transport=websocket")
    origin = str(server.make_url("")).rstrip("/")
    async with (
        ClientSession() as session,
        session.ws_connect(url, compress=15, headers={"Origin": origin}) as ws,
    ):
        opened = await ws.receive_str()
        assert opened.startswith("0{")  # engine.io "open": a real Socket.IO endpoint
        assert ws.compress == 0
