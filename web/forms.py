"""Reading HTML form posts into plain dicts the domain parsers accept."""

from __future__ import annotations

from aiohttp import web

from rooms.errors import InvalidInput

MAX_FIELDS = 40


async def read_form(request: web.Request) -> dict[str, object]:
    """First value per field; file uploads stay as non-str so parsers reject them."""
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise InvalidInput("Send this as a form.")
    posted = await request.post()
    if len(posted) > MAX_FIELDS:
        raise InvalidInput("Too many fields.")
    form: dict[str, object] = {}
    for key, value in posted.items():
        form.setdefault(key, value)
    return form
