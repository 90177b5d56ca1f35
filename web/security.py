"""Response headers every page gets, and the one place domain errors become HTTP.

The CSP allows no inline script or style at all; pages pass data to their modules through
data-* attributes. `Referrer-Policy: no-referrer` keeps invite tokens, which sit in the
client's URL, from leaking to any other site.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from rooms.errors import (
    Busy,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RoomFull,
    StoreUnavailable,
    TandemError,
    Throttled,
)
from web.render import render, translate_error

logger = logging.getLogger(__name__)

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self), "
    "geolocation=(), payment=()",
}

STATUS = {
    InvalidInput: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RoomFull: 409,
    Throttled: 429,
    StoreUnavailable: 503,
    Busy: 503,
}


def status_of(error: TandemError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 500)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if isinstance(response, web.HTTPException):
        raise response
    return response


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except TandemError as error:
        message = translate_error(request, error.template, error.params)
        response = await render(
            request,
            "error.html",
            {"message": message, "status": status_of(error)},
            status=status_of(error),
        )
        if isinstance(error, Throttled):
            response.headers["Retry-After"] = str(int(error.retry_after))
        return response
    except web.HTTPNotFound:
        _ = translate_error(request, "This page does not exist.", {})
        return await render(request, "error.html", {"message": _, "status": 404}, status=404)


SOCKET_PATH = "/socket.io/"  # python-socketio's default path, where its websockets open


def not_on_websockets(middleware: Middleware) -> Middleware:
    """`middleware` for every request but a Socket.IO websocket upgrade, which goes on.

    A websocket's 101 response is sent when the handler upgrades, and the handler returns
    only when the socket closes, so a middleware's work after `await handler(request)`
    (headers, error pages, the CSRF cookie) never reaches the client, and its frame would be
    held for the socket's whole life (memory per idle client, docs/performance.md). The
    sockets authenticate themselves (signaling/identity.py reads the cookie). Not a
    coroutine function on purpose: it returns the next handler's coroutine, so no frame of
    its own stays suspended either."""

    @web.middleware
    def wrapped(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
        upgrade = request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"
        if upgrade and request.path.startswith(SOCKET_PATH):
            return handler(request)
        return middleware(request, handler)

    return wrapped
