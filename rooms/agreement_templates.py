"""The agreement a coach starts from, in the client's language.

Written for career and re-integration coaching programs: goals, practical matters
(length, cadence, cancellation, contact between sessions), what each expects of the
other, confidentiality that continues after the program, and the optional consent to
share contact details with a certifying body. Clients are addressed informally (sv "du",
nl "je"). The texts live in rooms/agreement_texts/<language>.txt so a translator edits
plain text; the coach edits the filled-in text freely, and only the text the client
accepts counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rooms.models import Cadence, Engagement, Language

CADENCE_WORDS = {
    Language.NB: {"weekly": "hver uke", "biweekly": "annenhver uke", "monthly": "hver måned"},
    Language.SV: {"weekly": "varje vecka", "biweekly": "varannan vecka", "monthly": "varje månad"},
    Language.NL: {"weekly": "elke week", "biweekly": "om de week", "monthly": "elke maand"},
    Language.EN: {"weekly": "every week", "biweekly": "every other week", "monthly": "every month"},
}

TEXTS_DIR = Path(__file__).parent / "agreement_texts"


@dataclass(frozen=True, slots=True)
class TemplateFacts:
    coach_name: str
    retention_days: int


def template_for(engagement: Engagement, facts: TemplateFacts) -> str:
    """The template in the client's language, filled in with the engagement's plan."""
    language = engagement.language
    return _text(language).format(
        client=engagement.client_name,
        coach=facts.coach_name,
        months=engagement.program_months,
        sessions=engagement.planned_sessions,
        cadence=CADENCE_WORDS[language][Cadence(engagement.cadence).value],
        minutes=engagement.session_minutes,
        retention=facts.retention_days,
    )


@cache
def _text(language: Language) -> str:
    return (TEXTS_DIR / f"{language.value}.txt").read_text(encoding="utf-8")
