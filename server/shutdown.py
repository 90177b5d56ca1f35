"""Stopping on SIGTERM without dropping anyone: the half of a rolling restart a process owns.

In order, all within TANDEM_SHUTDOWN_SECONDS:

1. `/readyz` turns 503 and the listening sockets close, so the proxy sends every new
   connection (and every reconnect) to another process;
2. the TCP connection under each Socket.IO connection is closed. Every client treats that
   as a dropped network and reconnects at once, through the proxy, to another process
   (with SQLite: to this one once it is back); a seat becomes `reconnecting`, as after
   any drop. (An engine.io "close" packet would not do: python-socketio's client takes
   it as final, and a polling browser too.)
3. the seats are handed over: they stay held for the reconnect grace after we exit, so
   the same browsers take them back and a stranger cannot (rooms/store/protocol.py);
4. store calls in flight finish, so an edit about to be acknowledged is written (the
   client re-sends an unacknowledged one by its op id after reconnecting);
5. the app's own cleanup runs: store, echo peers, Redis connections.

What is still running at the deadline is abandoned; the process exits regardless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import socketio
from aiohttp import web

from rooms.errors import TandemError
from server.keys import DRAINING, SETTINGS, SIO, STORE
from server.measured_store import MeasuredStore
from server.store_changes import ChangeWatch

logger = logging.getLogger(__name__)


async def drain(runner: web.AppRunner, app: web.Application) -> bool:
    """True if everything finished before the deadline."""
    deadline = app[SETTINGS].shutdown_seconds
    loop = asyncio.get_running_loop()
    ends = loop.time() + deadline
    app[DRAINING].set()
    for site in list(runner.sites):
        await site.stop()
    sio = app[SIO]
    dropped = _drop_connections(sio)
    logger.info("draining: stopped listening, dropped %d connections", dropped)
    finished = await _within(ends, _until_disconnected(sio))
    with contextlib.suppress(TandemError):  # Redis away: the seats expire by themselves
        await _within(ends, app[STORE].hand_over_seats(app[SETTINGS].reconnect_grace_seconds))
    store = app[STORE]
    if isinstance(store, ChangeWatch):
        store = store.inner
    if isinstance(store, MeasuredStore):
        finished = await _within(ends, store.drained()) and finished
    finished = await _within(ends, runner.cleanup()) and finished
    if finished:
        logger.info("drained in %.1f s", deadline - (ends - loop.time()))
    else:
        logger.warning("shutdown deadline of %d s reached; exiting anyway", deadline)
    return finished


def _drop_connections(sio: socketio.AsyncServer) -> int:
    """Closes the transport of every engine.io connection; plain HTTP requests finish."""
    dropped = 0
    for eio_sid in list(sio.eio.sockets):
        environ = sio.environ.get(eio_sid) or {}
        transport = getattr(environ.get("aiohttp.request"), "transport", None)
        if transport is not None:
            transport.close()
            dropped += 1
    return dropped


async def _until_disconnected(sio: socketio.AsyncServer) -> None:
    """The disconnect handlers (seats to `reconnecting`, presence) run as each closes;
    engine.io has no event for its socket table running empty, so this looks."""
    while sio.eio.sockets:  # noqa: ASYNC110
        await asyncio.sleep(0.02)


async def _within(ends: float, step: Coroutine[Any, Any, Any]) -> bool:
    remaining = ends - asyncio.get_running_loop().time()
    if remaining <= 0:
        step.close()
        return False
    try:
        async with asyncio.timeout(remaining):
            await step
    except TimeoutError:
        return False
    return True
