"""A coach's password reset by e-mail: ask for a link, open it, choose a new password.

The request form answers the same page whether or not an account has the address, and the
mail goes in the background (web/keys.py `Outbox`), so neither the page nor its timing
tells who has an account. Without SMTP there is no mail: the page says to ask the
operator (`tandem coach reset-password`).
"""

from __future__ import annotations

from aiohttp import web

from rooms.errors import Forbidden, InvalidInput, Throttled
from web.account_mail import reset_mail
from web.auth import check_form_origin
from web.forms import read_form
from web.keys import ACCOUNTS, CATALOGS, OUTBOX, WEB_SETTINGS
from web.render import language_of, render, translate_error
from web.views.accounts import client_address

MAX_TOKEN = 100


async def request_form(request: web.Request) -> web.Response:
    return await _request_page(request, state="form")


async def request_link(request: web.Request) -> web.Response:
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    outbox = request.app[OUTBOX]
    if outbox is None:
        return await _request_page(request, state="no-mail", status=409)
    raw = form.get("email")
    try:
        found = await request.app[ACCOUNTS].request_reset(raw, client_address(request))
    except InvalidInput as error:
        message = translate_error(request, error.template, error.params)
        return await _request_page(request, state="form", error=message, status=400)
    except Throttled as error:
        response = await _request_page(request, state="throttled", status=429)
        response.headers["Retry-After"] = str(int(error.retry_after))
        return response
    if found is not None:
        coach, token = found
        minutes = int(request.app[ACCOUNTS].reset_link_seconds // 60)
        link = f"{request.app[WEB_SETTINGS].base_url}/password-reset/{token}"
        language = language_of(request)
        outbox.post(
            reset_mail(
                request.app[CATALOGS],
                language,
                to=coach.email,
                name=coach.display_name,
                link=link,
                minutes=minutes,
            )
        )
    return await _request_page(request, state="sent")


async def _request_page(
    request: web.Request, *, state: str, error: str | None = None, status: int = 200
) -> web.Response:
    if request.app[OUTBOX] is None:
        state = "no-mail"
    minutes = int(request.app[ACCOUNTS].reset_link_seconds // 60)
    context = {"state": state, "error": error, "minutes": minutes}
    return await render(request, "password_reset.html", context, status=status)


async def new_password_form(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    link = await request.app[ACCOUNTS].reset_link(token) if len(token) <= MAX_TOKEN else None
    if link is None:
        return await _spent(request)
    context = {"state": "new", "error": None, "email": link.email}
    return await render(request, "password_reset.html", context)


async def set_new_password(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await read_form(request)
    check_form_origin(request, form.get("csrf"))
    if len(token) > MAX_TOKEN:
        return await _spent(request)
    accounts = request.app[ACCOUNTS]
    try:
        await accounts.complete_reset(token, form.get("password"))
    except Forbidden:
        return await _spent(request)
    except InvalidInput as error:
        link = await accounts.reset_link(token)
        context = {
            "state": "new",
            "error": translate_error(request, error.template, error.params),
            "email": link.email if link else "",
        }
        return await render(request, "password_reset.html", context, status=400)
    raise web.HTTPSeeOther(location="/login?reset=done")


async def _spent(request: web.Request) -> web.Response:
    message = translate_error(
        request, "This link has expired or was already used. Ask for a new one.", {}
    )
    return await render(request, "error.html", {"message": message, "status": 403}, status=403)
