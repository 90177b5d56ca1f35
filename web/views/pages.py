"""Public pages: landing, health probes and the language switcher."""

from __future__ import annotations

from aiohttp import web

from rooms.errors import StoreUnavailable
from web.auth import current_coach
from web.keys import CATALOGS, DRAINING, PUBSUB_READY, STORE, WEB_SETTINGS
from web.redirects import local_path
from web.render import LANGUAGE_COOKIE, render


async def landing(request: web.Request) -> web.Response:
    needs_setup = await request.app[STORE].count_coaches() == 0
    return await render(request, "landing.html", {"needs_setup": needs_setup})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the store answers and, with Redis, this process hears the others; not
    while it drains before exiting (SIGTERM)."""
    if request.app[DRAINING].is_set():
        return web.json_response({"ok": False, "draining": True}, status=503)
    try:
        await request.app[STORE].ping()
    except StoreUnavailable:
        return web.json_response({"ok": False, "store": "unreachable"}, status=503)
    if not request.app[PUBSUB_READY]():
        return web.json_response({"ok": False, "store": "ok", "pubsub": "down"}, status=503)
    return web.json_response({"ok": True, "store": "ok"})


async def switch_language(request: web.Request) -> web.Response:
    language = request.query.get("lang", "")
    target = local_path(request.query.get("next"), "/")
    response = web.HTTPSeeOther(location=target)
    if language in request.app[CATALOGS].languages:
        coach = current_coach(request)
        if coach is not None:  # their e-mails follow (web/views/accounts.py)
            await request.app[STORE].set_coach_language(coach.id, language)
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.app[WEB_SETTINGS].secure_cookies,
            httponly=True,
            path="/",
        )
    raise response
