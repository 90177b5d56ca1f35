"""The tech-check echo peer alone in its own process, for scenario 6: POST /offer {sdp, type}
-> {sdp, type, session}. Started by bench/echo.py pinned to CPU 0; not part of Tandem's app.

aioice leaves 127.0.0.1 out of host candidates; as in tests/loopback.py, this process offers
exactly 127.0.0.1, and refuses to start outside a loopback-only network namespace."""

from __future__ import annotations

import argparse
import socket
from collections.abc import AsyncIterator

import aioice.ice
from aiohttp import web

from signaling.echo import EchoConfig, EchoMode, EchoService

SERVICE = web.AppKey("service", EchoService)


def loopback_only() -> None:
    extra = {name for _, name in socket.if_nameindex()} - {"lo"}
    if extra:
        raise SystemExit(f"echo bench needs a loopback-only network namespace; found {extra}")
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


async def offer(request: web.Request) -> web.Response:
    body = await request.json()
    session = await request.app[SERVICE].open(body["sdp"], body["type"])
    return web.json_response(
        {"sdp": session.answer_sdp, "type": session.answer_type, "session": session.session_id}
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7104)
    parser.add_argument("--mode", choices=[m.value for m in EchoMode], default="passthrough")
    parser.add_argument("--max-sessions", type=int, default=32)
    args = parser.parse_args()
    loopback_only()
    config = EchoConfig(
        max_sessions=args.max_sessions,
        max_session_seconds=600.0,
        idle_timeout_seconds=30.0,
        mode=EchoMode(args.mode),
    )
    app = web.Application()

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        async with EchoService(config) as service:
            app[SERVICE] = service
            yield

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/offer", offer)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
