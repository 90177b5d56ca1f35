"""Who is asking: the coach's login-session cookie, and CSRF tokens for every form.

Logged-in forms carry the session's own CSRF token; forms shown before login (login,
account setup) use a double-submit cookie. Either way a POST is also refused when its
Origin header names another site.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from rooms.accounts import SESSION_COOKIE
from rooms.errors import Forbidden
from rooms.models import Coach, LoginSession
from rooms.tokens import same
from web.keys import ACCOUNTS, STORE, WEB_SETTINGS
from web.redirects import login_path

CSRF_COOKIE = "tandem_csrf"
COACH = web.RequestKey("coach", Coach)
LOGIN = web.RequestKey("login", LoginSession)
PRE_SESSION_CSRF = web.RequestKey("pre_session_csrf", str)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token and len(token) <= 100:
        session = await request.app[ACCOUNTS].session(token)
        coach = await request.app[STORE].coach_by_id(session.coach_id) if session else None
        if session and coach:
            request[LOGIN] = session
            request[COACH] = coach
    if CSRF_COOKIE not in request.cookies or len(request.cookies[CSRF_COOKIE]) > 100:
        request[PRE_SESSION_CSRF] = secrets.token_urlsafe(32)
    response = await handler(request)
    if PRE_SESSION_CSRF in request:
        response.set_cookie(
            CSRF_COOKIE,
            request[PRE_SESSION_CSRF],
            httponly=True,
            samesite="Strict",
            secure=request.app[WEB_SETTINGS].secure_cookies,
            path="/",
        )
    return response


def current_coach(request: web.Request) -> Coach | None:
    return request.get(COACH)


def require_coach(request: web.Request) -> Coach:
    coach = current_coach(request)
    if coach is None:
        raise web.HTTPSeeOther(location=login_path(request.path_qs))
    return coach


def csrf_token(request: web.Request) -> str:
    if LOGIN in request:
        return request[LOGIN].csrf_token
    if PRE_SESSION_CSRF in request:
        return request[PRE_SESSION_CSRF]
    return request.cookies.get(CSRF_COOKIE, "")


def check_form_origin(request: web.Request, form_csrf: object) -> None:
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        allowed = request.app[WEB_SETTINGS].origins
        if urlsplit(origin).netloc != request.host and origin not in allowed:
            raise Forbidden("This form was sent from another site.")
    expected = csrf_token(request)
    if not expected or not isinstance(form_csrf, str) or not same(form_csrf, expected):
        raise Forbidden("This form has expired. Reload the page and try again.")


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    settings = request.app[WEB_SETTINGS]
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
        path="/",
    )
