"""Pages render in English, Norwegian Bokmål, Swedish and Dutch; every string has a
translation in every shipped language (acc. 7)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.pofile import read_po
from markupsafe import escape

from tests.helpers import make_pair
from web.i18n import Catalogs

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("nb", "sv", "nl")


def load_messages_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_english_by_default(client: TestClient) -> None:
    html = await (await client.get("/login")).text()
    assert '<html lang="en">' in html
    assert "Coach login" in html


async def test_norwegian_from_accept_language(client: TestClient) -> None:
    html = await (await client.get("/login", headers={"Accept-Language": "nb-NO,nb;q=0.9"})).text()
    assert '<html lang="nb">' in html
    assert "Innlogging for coacher" in html


async def test_norwegian_no_tag_maps_to_bokmal(client: TestClient) -> None:
    html = await (await client.get("/", headers={"Accept-Language": "no"})).text()
    assert '<html lang="nb">' in html


@pytest.mark.parametrize(
    ("header", "language", "text"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.8", "sv", "Inloggning för coacher"),
        ("sv-FI", "sv", "Inloggning för coacher"),
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl", "Inloggen voor coaches"),
        ("nl-BE", "nl", "Inloggen voor coaches"),
        ("de-DE,nl;q=0.5", "nl", "Inloggen voor coaches"),
    ],
)
async def test_swedish_and_dutch_from_accept_language(
    client: TestClient, header: str, language: str, text: str
) -> None:
    html = await (await client.get("/login", headers={"Accept-Language": header})).text()
    assert f'<html lang="{language}">' in html
    assert text in html


async def test_switcher_offers_every_shipped_language(client: TestClient) -> None:
    assert Catalogs().languages == ("en", *SHIPPED)
    html = await (await client.get("/login")).text()
    names = {"en": "English", "nb": "Norsk bokmål", "sv": "Svenska", "nl": "Nederlands"}
    for code, name in names.items():
        assert re.search(rf'<option value="{code}" (selected)?>{name}</option>', html), code


@pytest.mark.parametrize("language", ["sv", "nl"])
async def test_switcher_cookie_picks_swedish_and_dutch(client: TestClient, language: str) -> None:
    response = await client.get(f"/lang?lang={language}&next=/login", allow_redirects=False)
    assert response.status == 303
    html = await (await client.get("/login", headers={"Accept-Language": "nb"})).text()
    assert f'<html lang="{language}">' in html


# Each client page with msgids it must show translated; the last ones of the room and tech
# check and the board's are in hidden #strings spans that only the page's JavaScript reads.
CLIENT_PAGES = {
    "": ("Open the video room", "Start the tech check", "Open your goal board"),
    "/room": (
        "Join the session",
        "Audio only, like a phone call",
        "Connection lost. Reconnecting…",
    ),
    "/check": ("Check your camera, sound and connection", "Play test sound", "We can hear you."),
    "/board": ("Goal board", "Add goal", "This change was not saved:"),
}


@pytest.mark.parametrize("language", SHIPPED)
async def test_key_pages_render_in_the_engagement_language(
    client: TestClient, language: str
) -> None:
    """Client pages follow the engagement's language; public pages follow the browser."""
    translations = Catalogs().get(language)
    pair = await make_pair(client.app, language=language)
    pages = {f"/i/{pair.invite}{suffix}": ids for suffix, ids in CLIENT_PAGES.items()}
    pages["/"] = (
        "Coaching sessions, face to face, in the browser",
        "Are you a client? Open the link your coach sent you.",
    )
    pages["/login"] = ("Coach login", "E-mail address", "Password")
    for path, msgids in pages.items():
        accept = "en" if path.startswith("/i/") else f"{language},en;q=0.5"
        response = await client.get(path, headers={"Accept-Language": accept})
        html = await response.text()
        assert response.status == 200, path
        assert f'<html lang="{language}">' in html, path
        for msgid in msgids:
            text = translations.gettext(msgid)
            assert text != msgid, (language, msgid)
            assert str(escape(text)) in html, (language, path, msgid)


async def test_strings_for_javascript_read_naturally(client: TestClient) -> None:
    """Spot checks written by a native reader, so a catalog cannot pass by being merely full."""
    expected = {
        "sv": ('data-key="reconnecting">Anslutningen bröts. Ansluter igen …<', "Gå med i samtalet"),
        "nl": (
            'data-key="reconnecting">Verbinding verbroken. Opnieuw verbinden…<',
            "Doe mee aan de sessie",
        ),
    }
    for language, texts in expected.items():
        pair = await make_pair(client.app, language=language)
        html = await (await client.get(f"/i/{pair.invite}/room")).text()
        for text in texts:
            assert text in html, (language, text)


def test_every_catalog_on_disk_is_checked() -> None:
    catalogs = (ROOT / "web" / "translations").glob("*/LC_MESSAGES/messages.po")
    assert {path.parent.parent.name for path in catalogs} == set(SHIPPED)


async def test_switcher_sets_a_cookie_that_wins(client: TestClient) -> None:
    response = await client.get("/lang?lang=nb&next=/login", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/login"
    html = await (await client.get("/login", headers={"Accept-Language": "en"})).text()
    assert "Logg inn" in html


async def test_switcher_never_redirects_off_site(client: TestClient) -> None:
    response = await client.get("/lang?lang=nb&next=//evil.example", allow_redirects=False)
    assert response.headers["Location"] == "/"


async def test_error_messages_are_translated(client: TestClient) -> None:
    from tests.helpers import csrf_for

    await client.get("/lang?lang=nb&next=/login")
    csrf = await csrf_for(client, "/login")
    response = await client.post("/login", data={"email": "nope", "password": "x", "csrf": csrf})
    assert "Skriv inn en gyldig e-postadresse." in await response.text()


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_in_the_code_is_translated(language: str) -> None:
    template = load_messages_script().extract()
    po_path = ROOT / "web" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
    assert missing == [], f"untranslated in {language}: {missing}"


def test_translations_keep_their_placeholders() -> None:
    catalogs = Catalogs()
    for language in catalogs.languages:
        po_path = ROOT / "web" / "translations" / language / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            continue
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = {p for i in ids for p in _placeholders(i)}
                for string in strings:
                    assert _placeholders(string) <= wanted | {"%(num)d"}, (language, message.id)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\([a-z_]+\)[sd]", text))
