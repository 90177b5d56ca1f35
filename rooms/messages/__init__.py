"""The message thread between coach and client (docs/messages.md)."""

from rooms.messages.records import (
    MAX_CLIENT_ID,
    MAX_TEXT,
    Message,
    ThreadState,
    parse_client_id,
    parse_text,
)

__all__ = (
    "MAX_CLIENT_ID",
    "MAX_TEXT",
    "Message",
    "ThreadState",
    "parse_client_id",
    "parse_text",
)
