"""One message of an engagement's thread, and where each side has read up to.

A message's `seq` is its place in the thread, given by the store (1, 2, 3, ...), so every
screen shows the same order and a reconnecting page asks for everything after the last
seq it has. `client_id` is chosen by the sending page: a resend after a reconnect carries
the same id and the store answers with the first message instead of storing a second.
Text is kept as typed (control characters removed); pages show it as text, never markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rooms import validation
from rooms.errors import InvalidInput
from rooms.models import Role

MAX_TEXT = 2000  # characters: a few paragraphs, a link, a short question
MAX_CLIENT_ID = 64
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True, slots=True)
class Message:
    seq: int
    client_id: str
    sender: Role
    text: str
    sent_at: float

    def to_wire(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.client_id,
            "from": self.sender.value,
            "text": self.text,
            "sent_at": self.sent_at,
        }


@dataclass(frozen=True, slots=True)
class ThreadState:
    """`last_seq` is the newest message; `read` is the highest seq each role has seen."""

    last_seq: int
    read_coach: int
    read_client: int

    def read_by(self, role: Role) -> int:
        return self.read_coach if role is Role.COACH else self.read_client

    def to_wire(self) -> dict[str, int]:
        return {"last_seq": self.last_seq, "coach": self.read_coach, "client": self.read_client}


def parse_text(value: object) -> str:
    """Line breaks are kept (validation.text strips other control characters)."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return validation.text(value, "text", max_len=MAX_TEXT)


def parse_client_id(value: object) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.match(value):
        raise InvalidInput("Expected a message id of 8 to 64 letters, digits, - or _.", field="id")
    return value
