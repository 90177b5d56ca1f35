"""One parser per /board event: an untrusted payload becomes a typed value or InvalidInput.

The operation inside `op` is parsed by the domain (rooms.board.parse_op), which knows
every field's kind and cap; here only the envelope is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.errors import InvalidInput

MAX_VERSION = 2**53  # what a browser's number holds exactly
PRESENCE_STATES = ("viewing", "editing")


def _mapping(payload: object) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidInput("Expected an object.")
    return payload


def _version(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_VERSION:
        raise InvalidInput("Expected a board version.", field=name)
    return value


@dataclass(frozen=True, slots=True)
class BoardJoin:
    since: int | None

    @classmethod
    def parse(cls, payload: object) -> BoardJoin:
        data = _mapping({} if payload is None else payload)
        since = data.get("since")
        return cls(None if since is None else _version(since, "since"))


@dataclass(frozen=True, slots=True)
class OpRequest:
    """No base version: an edit is never refused for being based on an older board
    (docs/board.md), so a `base_version` key from an older page is ignored."""

    op_id: object  # checked by the domain with the op
    op: object

    @classmethod
    def parse(cls, payload: object) -> OpRequest:
        data = _mapping(payload)
        if "op" not in data:
            raise InvalidInput("Expected an operation.", field="op")
        return cls(data.get("op_id"), data["op"])


@dataclass(frozen=True, slots=True)
class PresenceUpdate:
    state: str

    @classmethod
    def parse(cls, payload: object) -> PresenceUpdate:
        state = _mapping(payload).get("state")
        if state not in PRESENCE_STATES:
            raise InvalidInput(
                "Choose one of: %(options)s.", field="state", params={"options": "viewing, editing"}
            )
        return cls(str(state))


@dataclass(frozen=True, slots=True)
class PrivateNoteRequest:
    id: object
    text: object

    @classmethod
    def parse(cls, payload: object) -> PrivateNoteRequest:
        data = _mapping(payload)
        return cls(data.get("id"), data.get("text"))
