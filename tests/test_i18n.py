"""Pages render in English and Norwegian Bokmål; every string has a translation (acc. 7)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.pofile import read_po

from web.i18n import Catalogs

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("language", ["nb"])
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
    import re

    return set(re.findall(r"%\([a-z_]+\)[sd]", text))
