"""Moments written for people, in their language (Babel's CLDR date formats).

Times are stored as UTC epoch seconds. Until a person's time zone is known to every page,
agreements and erasure dates are shown in UTC and say so.
"""

from __future__ import annotations

import datetime

from babel.dates import format_date

LOCALES = {"nb": "nb_NO", "sv": "sv_SE", "nl": "nl_NL", "en": "en_GB"}


def moment(at: float, language: str) -> str:
    """ "1. desember 2026, 10:40 UTC" and the like."""
    when = datetime.datetime.fromtimestamp(at, datetime.UTC)
    day = format_date(when.date(), "long", locale=LOCALES.get(language, "en_GB"))
    return f"{day}, {when:%H:%M} UTC"


def day(at: float, language: str) -> str:
    when = datetime.datetime.fromtimestamp(at, datetime.UTC)
    return str(format_date(when.date(), "long", locale=LOCALES.get(language, "en_GB")))
