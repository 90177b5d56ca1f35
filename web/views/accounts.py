"""Login, logout and account setup from a one-time link."""

from __future__ import annotations

from aiohttp import web

from rooms import addresses, validation
from rooms.accounts import SESSION_COOKIE
from rooms.errors import Forbidden, InvalidInput, Throttled
from web.auth import check_form_origin, current_coach, set_session_cookie
from web.forms import read_form
from web.keys import ACCOUNTS, STORE, WEB_SETTINGS
from web.redirects import local_path
from web.render import language_of, render, translate_error


async def remember_language(request: web.Request, coach_id: str) -> None:
    """The coach's e-mails (notices) are in the language their pages are in."""
    await request.app[STORE].set_coach_language(coach_id, language_of(request))


def client_address(request: web.Request) -> str:
    forwarded = request.headers.get("X-Forwarded-For")
    return addresses.client_address(
        request.remote, forwarded, trust_proxy=request.app[WEB_SETTINGS].trust_proxy
    )


async def login_form(request: web.Request) -> web.Response:
    if current_coach(request):
        raise web.HTTPSeeOther(location="/dashboard")
    next_path = local_path(request.query.get("next"), "/dashboard")
    context = {
        "error": None,
        "email": "",
        "next": next_path,
        "reset_done": request.query.get("reset") == "done",
    }
    return await render(request, "login.html", context)


async def login(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    next_path = local_path(form.get("next"), "/dashboard")
    email, password = form.get("email"), form.get("password")
    shown_email = email if isinstance(email, str) else ""
    try:
        address = validation.email(email)
        if not isinstance(password, str) or not password:
            raise InvalidInput("This field is required.", field="password")
        token, session = await request.app[ACCOUNTS].login(
            address, password, client_address(request)
        )
    except (InvalidInput, Forbidden, Throttled) as error:
        status = (
            429 if isinstance(error, Throttled) else 400 if isinstance(error, InvalidInput) else 401
        )
        message = translate_error(request, error.template, error.params)
        context = {"error": message, "email": shown_email[:254], "next": next_path}
        response = await render(request, "login.html", context, status=status)
        if isinstance(error, Throttled):
            response.headers["Retry-After"] = str(int(error.retry_after))
        return response
    await remember_language(request, session.coach_id)
    redirect = web.HTTPSeeOther(location=next_path)
    set_session_cookie(request, redirect, token)
    return redirect


async def logout(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[ACCOUNTS].logout(token)
    redirect = web.HTTPSeeOther(location="/")
    redirect.del_cookie(SESSION_COOKIE, path="/")
    return redirect


async def setup_form(request: web.Request) -> web.Response:
    link = await request.app[ACCOUNTS].setup_link(request.match_info["token"])
    if link is None:
        message = translate_error(request, "This setup link has expired or was already used.", {})
        return await render(request, "error.html", {"message": message, "status": 403}, status=403)
    context: dict[str, object] = {
        "error": None,
        "field": None,
        "fixed_email": link.email,
        "values": {},
    }
    return await render(request, "setup.html", context)


async def setup(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    accounts = request.app[ACCOUNTS]
    try:
        coach = await accounts.complete_setup(token, form)
    except InvalidInput as error:
        link = await accounts.setup_link(token)
        values = {k: v for k, v in form.items() if k in ("email", "display_name")}
        context = {
            "error": translate_error(request, error.template, error.params),
            "field": error.field,
            "fixed_email": link.email if link else None,
            "values": values,
        }
        return await render(request, "setup.html", context, status=400)
    password = str(form.get("password"))  # complete_setup has checked it is text
    session_token, _session = await accounts.login(coach.email, password, client_address(request))
    await remember_language(request, coach.id)
    redirect = web.HTTPSeeOther(location="/dashboard")
    set_session_cookie(request, redirect, session_token)
    return redirect
