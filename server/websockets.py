"""Websocket frames without permessage-deflate.

python-engineio builds aiohttp's WebSocketResponse with aiohttp's default compress=True,
so every browser (they all offer permessage-deflate) gets a zlib context per connection
and zlib work on every frame. Signalling messages are small and latency-bound, and the
benchmarks (docs/performance.md) measured the zlib contexts as most of the memory of an
idle connection. Node's socket.io has it off by default; python-engineio has no option,
so the one name its aiohttp driver calls is replaced, once, by the app factory.
"""

from __future__ import annotations

import functools

import engineio.async_drivers.aiohttp as engineio_aiohttp
from aiohttp import web


def disable_compression() -> None:
    """Idempotent: each app built in a process (tests build many) applies the same value."""
    engineio_aiohttp.WebSocketResponse = functools.partial(web.WebSocketResponse, compress=False)
