"""Page rendering: one jinja2 environment, autoescaped, with the request's language.

Every template gets `_` bound to the request's catalog, so a page is translated by the
language negotiated for that request only; nothing about language is global.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from babel.support import NullTranslations

from rooms.models import Engagement
from web.affinity import route_key
from web.auth import csrf_token, current_coach
from web.keys import CATALOGS, JINJA

TEMPLATES_DIR = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "tandem_lang"
REQUEST_LANGUAGE = web.RequestKey("language", str)


def make_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language_of(request: web.Request, preferred: str | None = None) -> str:
    """The switcher's cookie wins, then the engagement's language, then the browser's."""
    if REQUEST_LANGUAGE in request:
        return request[REQUEST_LANGUAGE]
    catalogs = request.app[CATALOGS]
    chosen = catalogs.negotiate(
        (request.cookies.get(LANGUAGE_COOKIE), preferred),
        request.headers.get("Accept-Language", ""),
    )
    request[REQUEST_LANGUAGE] = chosen
    return chosen


def newstyle(translations: NullTranslations) -> tuple[Any, Any]:
    """Jinja's "newstyle" gettext: placeholders are filled from keyword arguments, and
    ngettext always gets `num`, so templates never format translated text by hand."""

    def gettext(message: str, **params: object) -> str:
        text = translations.gettext(message)
        return text % params if params else text

    def ngettext(singular: str, plural: str, num: int, **params: object) -> str:
        return translations.ngettext(singular, plural, num) % {"num": num, **params}

    return gettext, ngettext


def translate_error(request: web.Request, template: str, params: dict[str, object]) -> str:
    gettext, _ngettext = newstyle(request.app[CATALOGS].get(language_of(request)))
    text: str = gettext(template, **params)
    return text


async def render(
    request: web.Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    language: str | None = None,
) -> web.Response:
    lang = language_of(request, language)
    gettext, ngettext = newstyle(request.app[CATALOGS].get(lang))
    engagement = (context or {}).get("engagement")
    # A page about one engagement routes its sockets by it (web/affinity.py).
    route = route_key(engagement.id) if isinstance(engagement, Engagement) else ""
    page = (
        request.app[JINJA]
        .get_template(template)
        .render(
            **(context or {}),
            _=gettext,
            ngettext=ngettext,
            lang=lang,
            languages=request.app[CATALOGS].languages,
            csrf=csrf_token(request),
            coach=current_coach(request),
            here=request.path_qs,
            route=route,
        )
    )
    response = web.Response(text=page, status=status, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
