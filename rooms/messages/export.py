"""The message thread in the engagement's exports: both people wrote it and both may read
it, so both exports carry it whole, oldest first, the text verbatim."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rooms.messages.records import Message
from rooms.readable import moment


def to_wire(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [message.to_wire() for message in messages]


def to_markdown(messages: Sequence[Message], language: str) -> list[str]:
    lines = ["", "## Messages", ""]
    for message in messages:
        lines.append(f"- {moment(message.sent_at, language)} · {message.sender.value}:")
        lines += [f"    {line}" for line in message.text.splitlines()] or ["    —"]
    return lines
