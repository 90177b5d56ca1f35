"""Open redirects (issue 12, acceptance 4): no `next` ever sends anyone off the site.

A corpus of known open-redirect payloads goes through every redirect a request can steer
(the language switcher, the login form's hidden field, the redirect after a successful
login) on the real app over a real socket; each `Location` must be a path on this site
however a browser or a proxy would repair or decode it.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.helpers import PASSWORD, csrf_for, make_coach
from web.redirects import local_path, login_path

EVIL = "evil.example"
PAYLOADS = [
    "//evil.example",
    "//evil.example/",
    "///evil.example",
    "////evil.example",
    "/////evil.example/%2e%2e",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/%09/evil.example/phish",
    "/%0d%0a/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%00/evil.example",
    "/%20/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%5C/evil.example",
    "/%5cevil.example",
    "%5C%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "/%2525252F%2525252Fevil.example",
    "/%250d%250a/evil.example",
    "/%2509/evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\n/evil.example",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\x0c/evil.example",
    "/ /evil.example",
    "/\u00a0/evil.example",
    "/\u2028/evil.example",
    "/\u3000/evil.example",
    "/\u200b/evil.example",
    "/\ufeff/evil.example",
    "/%E3%80%80/evil.example",
    "/%E2%80%8B/evil.example",
    "/..//evil.example",
    "/.//evil.example",
    "/%2e%2e//evil.example",
    "/%2e//evil.example",
    "/a/../..//evil.example",
    "/x/%2e%2e/%2e%2e//evil.example",
    "https://evil.example",
    "http://evil.example/dashboard",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:\\\\evil.example",
    "//evil.example@tandem.invalid",
    "//tandem.invalid@evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java%0d%0ascript%0d%0a:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "evil.example",
    "evil.example/dashboard",
    ".evil.example",
    "@evil.example",
    "/%2F%2Fevil.example%2F",
    "/%5C%5Cevil.example",
    "/%C0%AF/evil.example",
    "/%FF/evil.example",
    "/\u2215\u2215evil.example",
    "/\uff0f\uff0fevil.example",
    "\u3002evil.example",
    "/?/\\evil.example",
    "/" + "a" * 600,
    "",
]
LOCAL = [
    "/dashboard",
    "/engagements/3f9a-1c2b",
    "/engagements/3f9a/agenda?saved=1",
    "/login?next=%2Fdashboard",
    "/i/AbC_dEf-123/room",
    "/techcheck?lang=nb",
    "/@evil.example",  # looks foreign, but is a path on this site
]


def assert_on_site(location: str, base: str) -> None:
    """As a browser and any proxy in between would read it."""
    assert location, "empty Location"
    assert all("!" <= ch <= "~" for ch in location), repr(location)
    form = location
    for _ in range(6):
        repaired = re.sub(r"[\t\r\n]", "", form).replace("\\", "/")
        path = repaired.split("?", 1)[0]
        assert path.startswith("/") and not path.startswith("//"), repr(location)
        assert urlsplit(urljoin(base, repaired)).netloc == urlsplit(base).netloc, repr(location)
        decoded = unquote(form)
        if decoded == form:
            break
        form = decoded
    assert EVIL not in urlsplit(urljoin(base, location)).netloc


def raw_spellings(payload: str) -> list[str]:
    """The payload fully quoted (the server reads it as is), and as written when it is
    already a valid query value (the server decodes its %-escapes once)."""
    spellings = [quote(payload, safe="")]
    if payload and all("!" <= ch <= "~" for ch in payload) and not set(payload) & set("&#+"):
        spellings.append(payload.replace("\\", "%5C"))
    return spellings


@pytest.mark.parametrize("target", PAYLOADS)
def test_the_helper_refuses_every_payload(target: str) -> None:
    assert local_path(target, "/home") == "/home"


@pytest.mark.parametrize("target", LOCAL)
def test_the_helper_keeps_paths_on_this_site(target: str) -> None:
    assert local_path(target, "/home") == target


def test_the_login_path_round_trips_a_query() -> None:
    location = login_path("/engagements/7/agenda?saved=1&x=//evil.example")
    next_value = URL(location).query["next"]
    assert next_value == "/engagements/7/agenda?saved=1&x=//evil.example"
    assert local_path(next_value, "/dashboard") == next_value


async def test_the_language_switcher_stays_on_the_site(client: TestClient) -> None:
    base = str(client.make_url("/"))
    for payload in [*PAYLOADS, *LOCAL]:
        for spelling in raw_spellings(payload):
            url = URL(f"/lang?lang=nb&next={spelling}", encoded=True)
            response = await client.get(url, allow_redirects=False)
            assert response.status == 303, (payload, response.status)
            assert_on_site(response.headers["Location"], base)


async def test_the_login_form_never_carries_a_foreign_next(client: TestClient) -> None:
    base = str(client.make_url("/"))
    for payload in [*PAYLOADS, *LOCAL]:
        for spelling in raw_spellings(payload):
            page = await client.get(URL(f"/login?next={spelling}", encoded=True))
            found = re.search(r'name="next" value="([^"]*)"', await page.text())
            assert found, payload
            assert_on_site(html.unescape(found.group(1)), base)


AFTER_LOGIN = [*PAYLOADS, *(unquote(p) for p in PAYLOADS if "%" in p)]


@pytest.mark.parametrize("payload", AFTER_LOGIN)
async def test_no_payload_redirects_off_site_after_login(client: TestClient, payload: str) -> None:
    """One login per case: each runs a real password hash, and sixty of them in one test
    outlast its timeout on a busy machine."""
    await make_coach(client, "coach@example.org")
    base = str(client.make_url("/"))
    csrf = await csrf_for(client, "/login")
    form = {"email": "coach@example.org", "password": PASSWORD, "csrf": csrf, "next": payload}
    response = await client.post("/login", data=form, allow_redirects=False)
    assert response.status == 303, (payload, response.status)
    assert_on_site(response.headers["Location"], base)


async def test_a_local_next_survives_the_login_round_trip(client: TestClient) -> None:
    """The redirect to the login page and back still works for a real page."""
    await make_coach(client, "coach@example.org")
    first = await client.get("/engagements/abc/agenda?saved=1", allow_redirects=False)
    assert first.status == 303
    location = first.headers["Location"]
    assert URL(location).path == "/login"
    next_value = URL(location).query["next"]
    assert next_value == "/engagements/abc/agenda?saved=1"
    csrf = await csrf_for(client, location)
    form = {"email": "coach@example.org", "password": PASSWORD, "csrf": csrf, "next": next_value}
    response = await client.post("/login", data=form, allow_redirects=False)
    assert response.headers["Location"] == "/engagements/abc/agenda?saved=1"
