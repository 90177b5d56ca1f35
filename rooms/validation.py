"""Parsers for untrusted values: each returns a typed value or raises InvalidInput naming
the field, so callers validate everything before they change anything."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from rooms.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")


def text(value: object, field: str, *, max_len: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("Expected text.", field=field)
    cleaned = unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()
    if required and not cleaned:
        raise InvalidInput("This field is required.", field=field)
    if len(cleaned) > max_len:
        raise InvalidInput("Use at most %(max)s characters.", field=field, params={"max": max_len})
    return cleaned


def email(value: object, field: str = "email") -> str:
    address = text(value, field, max_len=254).lower()
    if not _EMAIL.match(address):
        raise InvalidInput("Enter a valid e-mail address.", field=field)
    return address


def choice(value: object, field: str, enum: type[E]) -> E:
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum)
    raise InvalidInput("Choose one of: %(options)s.", field=field, params={"options": allowed})


def integer_in(value: object, field: str, allowed: Iterable[int]) -> int:
    options = tuple(allowed)
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        number = int(value.strip())
    if number is None or number not in options:
        listed = ", ".join(str(o) for o in options)
        raise InvalidInput("Choose one of: %(options)s.", field=field, params={"options": listed})
    return number
