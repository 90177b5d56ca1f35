"""Extract every user-visible string and merge it into each language's .po file.

Usage: .venv/bin/python scripts/messages.py [LANG ...]   (then translate the empty msgstr entries)

Every language directory under web/translations is updated; a LANG named on the command line
that has no catalog yet gets a new, empty one (e.g. `scripts/messages.py fi`).

Domain errors are raised with English msgids (`InvalidInput("This field is required.")`),
so the exception class names are extraction keywords alongside `_` and `ngettext`; the
test suite runs the same extraction and fails on any string missing from a catalog.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "web" / "translations"
ERROR_CLASSES = (
    "TandemError",
    "InvalidInput",
    "NotFound",
    "Forbidden",
    "Conflict",
    "RoomFull",
    "Throttled",
    "StoreUnavailable",
    "Busy",
    "ProgramClosed",
    "AwaitingAdmission",
)
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "translate_error": (2,),
    "Rate": (3,),  # signaling/base.py: a namespace's throttled message
    **{name: None for name in ERROR_CLASSES},
}
METHODS = [
    ("rooms/**.py", "python"),
    ("web/**.py", "python"),
    ("signaling/**.py", "python"),
    ("server/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]


def extract() -> Catalog:
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, METHODS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        if isinstance(message, tuple) and not message[0]:
            continue
        if isinstance(message, str) and "%(" not in message and message.strip() == "":
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def init(language: str) -> None:
    """Start an empty catalog for a new language; the update below fills in its msgids."""
    po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if po_path.exists():
        return
    po_path.parent.mkdir(parents=True)
    catalog = Catalog(locale=language, project="tandem", fuzzy=False)
    with po_path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, width=100)


def main(new_languages: list[str]) -> int:
    for language in new_languages:
        init(language)
    template = extract()
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, no_location=True, width=100)
        missing = sum(1 for m in catalog if m.id and not m.string)
        print(f"{po_path.relative_to(ROOT)}: {len(catalog)} messages, {missing} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
