"""The catalogs follow docs/glossary.md (issue 16): a message that names a concept never uses
one of the concept's listed synonyms instead of the chosen word. The table is read from the
doc itself, so the doc and the check cannot drift apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
LANGUAGES = ("nb", "sv", "nl")


@dataclass(frozen=True)
class Term:
    chosen: tuple[str, ...]
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    name: str
    english: tuple[str, ...]
    exceptions: tuple[str, ...]
    terms: dict[str, Term]

    def named_in(self, msgid: str) -> bool:
        text = msgid.lower()
        for phrase in self.exceptions:
            text = text.replace(phrase, " ")
        return any(re.search(rf"\b{re.escape(word)}", text) for word in self.english)


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip().lower() for w in text.split(",") if w.strip())


def _term(cell: str) -> Term:
    chosen = re.findall(r"\*\*(.+?)\*\*", cell)
    assert chosen, f"no **chosen** word in {cell!r}"
    _, _, avoid = cell.partition("not:")
    return Term(_words(",".join(chosen)), _words(avoid))


def concepts() -> list[Concept]:
    rows = [line for line in GLOSSARY.read_text().splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header == ["Concept", "English", *LANGUAGES], header
    found = []
    for row in rows[1:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        english, _, exceptions = cells[1].partition("; except:")
        found.append(
            Concept(
                name=cells[0],
                english=_words(english),
                exceptions=_words(exceptions),
                terms={lang: _term(cell) for lang, cell in zip(LANGUAGES, cells[2:], strict=True)},
            )
        )
    return found


def messages(language: str) -> list[tuple[str, str]]:
    path = ROOT / "web" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[min(i, len(ids) - 1)], s) for i, s in enumerate(strings) if s]
    return pairs


def misused(language: str, msgid: str, msgstr: str, table: list[Concept]) -> list[str]:
    named = [c for c in table if c.named_in(msgid)]
    text = msgstr.lower()
    problems = []
    for concept in named:
        for synonym in concept.terms[language].avoid:
            if synonym not in text:
                continue
            # "samtale" is the chosen word for a call: fine where the message names a call.
            if any(
                synonym in chosen
                for other in named
                if other is not concept
                for chosen in other.terms[language].chosen
            ):
                continue
            problems.append(
                f"{language}: {msgstr!r} says {synonym!r} for {concept.name}; "
                f"the glossary chooses {concept.terms[language].chosen[0]!r} ({msgid!r})"
            )
    return problems


def test_the_glossary_table_parses_and_names_every_language() -> None:
    table = concepts()
    assert len(table) >= 10
    names = {c.english[0] for c in table}
    for needed in ("session", "tech check", "homework", "goal board", "coach", "client"):
        assert needed in names, needed
    for concept in table:
        for language, term in concept.terms.items():
            assert term.chosen and term.avoid, (concept.name, language)
            assert not set(term.chosen) & set(term.avoid), (concept.name, language)


def test_the_check_flags_a_synonym_and_lets_the_chosen_word_pass() -> None:
    table = concepts()
    assert misused("nb", "Before your first session", "Før den første samtalen", table)
    assert not misused("nb", "Before your first session", "Før den første økten", table)
    assert misused("nb", "Start the tech check", "Start den tekniske sjekken", table)
    assert misused("sv", "Homework", "Läxor", table)
    # The WebRTC "session description" is not a coaching session.
    assert not misused(
        "sv", "This is not a session description.", "Ingen sessionsbeskrivning.", table
    )
    # A practice call in a session: "samtale" belongs to the call.
    assert not misused(
        "nb", "A practice call before the session", "En øvingssamtale før økten", table
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_use_the_chosen_words(language: str) -> None:
    table = concepts()
    problems = [
        p for msgid, msgstr in messages(language) for p in misused(language, msgid, msgstr, table)
    ]
    assert not problems, "\n".join(problems)
