"""Where a redirect may send someone: only to a path on this site.

A `next` parameter is attacker-controlled (anyone can craft a login link), so every
redirect Tandem answers with a target taken from a request goes through `local_path`.
Browsers and URL libraries "repair" a URL before using it: they drop tab, CR and LF,
read `\\` as `/`, and a proxy or a later hop may percent-decode it once more. So a target
is accepted only if it is a path (one leading `/`, never `//` or `/\\`) in its raw form,
in every percent-decoded form, and after yarl's normalisation (which aiohttp applies to
`Location`); anything else falls back to a fixed page of ours.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urljoin, urlsplit

from yarl import URL

MAX_LENGTH = 500
MAX_DECODES = 4  # %25-nesting deeper than this is refused, not unwrapped
_PROBE = "https://tandem.invalid/"


def local_path(target: object, default: str) -> str:
    """`target` if it can only land on this site, otherwise `default`."""
    if isinstance(target, str) and _is_local(target):
        return target
    return default


def login_path(path_qs: str) -> str:
    """The login page, coming back to `path_qs` afterwards."""
    return "/login?next=" + quote(path_qs, safe="/")


def _is_local(target: str) -> bool:
    if not target or len(target) > MAX_LENGTH:
        return False
    # Raw: visible ASCII only (no space, no control, no backslash).
    if not all("!" <= ch <= "~" for ch in target) or "\\" in target:
        return False
    form = target
    for _ in range(MAX_DECODES + 1):
        if not _is_local_form(form):
            return False
        try:
            decoded = unquote(form, errors="strict")
        except UnicodeDecodeError:
            return False
        if decoded == form:
            return _resolves_here(target) and _resolves_here(str(URL(target)))
        form = decoded
    return False


def _is_local_form(form: str) -> bool:
    """One (possibly decoded) spelling: a single-slash path without spaces, backslashes
    or dot segments, and no control character anywhere."""
    path = form.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or path[1:2] in ("/", "\\"):
        return False
    if any(unicodedata.category(ch)[0] == "C" for ch in form) or "\\" in path:
        return False
    if any(unicodedata.category(ch)[0] == "Z" for ch in path):
        return False
    return not any(segment in (".", "..") for segment in path.split("/"))


def _resolves_here(target: str) -> bool:
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    joined = urlsplit(urljoin(_PROBE, target))
    return joined.netloc == "tandem.invalid" and not joined.path.startswith("//")
