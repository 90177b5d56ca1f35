"""Translations: gettext catalogs compiled in memory from the shipped .po files.

Compiling at start-up (a few ms) means no build step and no stale .mo files: the .po files
in web/translations are the single source. English is the msgid language.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "nb": "Norsk bokmål", "sv": "Svenska", "nl": "Nederlands"}


class Catalogs:
    def __init__(self, directory: Path = TRANSLATIONS_DIR) -> None:
        self._by_language: dict[str, NullTranslations] = {DEFAULT_LANGUAGE: NullTranslations()}
        for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=language)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            self._by_language[language] = Translations(buffer)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(code for code in LANGUAGE_NAMES if code in self._by_language)

    def get(self, language: str) -> NullTranslations:
        return self._by_language.get(language, self._by_language[DEFAULT_LANGUAGE])

    def negotiate(self, candidates: Iterable[str | None], accept_language: str = "") -> str:
        """First supported of the explicit candidates, then the Accept-Language header."""
        for candidate in candidates:
            if candidate and candidate in self._by_language:
                return candidate
        for tag in _accepted(accept_language):
            primary = tag.split("-")[0]
            if primary in ("no", "nn"):  # Norwegian browsers often send "no"; serve Bokmål
                primary = "nb"
            if primary in self._by_language:
                return primary
        return DEFAULT_LANGUAGE


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]
