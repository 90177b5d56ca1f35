"""One parser per /messages event: an untrusted payload becomes a typed value or InvalidInput.

Unknown keys are refused, so a page built against another version hears about it. The
message's own rules (text length, id shape) stay in rooms.messages; here only the
envelope is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.errors import InvalidInput

MAX_SEQ = 2**53  # what a browser's number holds exactly


def _mapping(payload: object, allowed: frozenset[str]) -> dict[str, Any]:
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise InvalidInput("Expected an object.")
    unknown = sorted(str(key) for key in payload if key not in allowed)
    if unknown:
        raise InvalidInput("Unexpected field.", field=unknown[0][:40])
    return payload


def _seq(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_SEQ:
        raise InvalidInput("Expected a message number.", field=name)
    return value


@dataclass(frozen=True, slots=True)
class ThreadJoin:
    """`{"since"?: seq}`: without it the newest page, with it everything after `since`."""

    since: int | None

    @classmethod
    def parse(cls, payload: object) -> ThreadJoin:
        since = _mapping(payload, frozenset({"since"})).get("since")
        return cls(None if since is None else _seq(since, "since"))


@dataclass(frozen=True, slots=True)
class SendRequest:
    """`{"id": str, "text": str}`; both are checked by rooms.messages."""

    id: object
    text: object

    @classmethod
    def parse(cls, payload: object) -> SendRequest:
        data = _mapping(payload, frozenset({"id", "text"}))
        return cls(data.get("id"), data.get("text"))


def parse_read(payload: object) -> int:
    """`{"seq": seq}`: the highest message this screen has shown."""
    data = _mapping(payload, frozenset({"seq"}))
    return _seq(data.get("seq"), "seq")


def parse_older(payload: object) -> int:
    """`{"before": seq}`: the page of messages just older than `before`."""
    data = _mapping(payload, frozenset({"before"}))
    return _seq(data.get("before"), "before")
