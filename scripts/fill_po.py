"""Fill a language's .po file from a Python dict of translations (a translator's helper).

Usage: .venv/bin/python scripts/fill_po.py LANG translations.py
The file defines one dict (any name) mapping msgid (or (singular, plural)) to msgstr (or a
tuple of plural forms). Existing translations are overwritten only where the dict has one.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "web" / "translations"


def main(language: str, source: str) -> int:
    found = runpy.run_path(source).items()
    table = next(v for k, v in found if isinstance(v, dict) and not k.startswith("__"))
    po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        if message.id and message.id in table:
            message.string = table[message.id]
    with po_path.open("wb") as handle:
        write_po(handle, catalog, no_location=True, width=100)
    missing = [m.id for m in catalog if m.id and not _translated(m.string)]
    print(f"{language}: {len(missing)} untranslated")
    for msgid in missing:
        print("  ", repr(msgid))
    return 0


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
