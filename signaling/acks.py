"""Turning handler outcomes into acks: every event gets exactly one answer.

python-socketio logs an exception raised in a handler and sends no ack, which leaves the
browser waiting forever; `answer` replies with the error's wire form instead. The two
answers every namespace gives before a handler runs (docs/protocol.md, "Acks and
errors") are built here too, so they are the same everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from rooms.errors import ErrorCode, InvalidInput, TandemError

logger = logging.getLogger(__name__)

Ack = dict[str, Any]


async def answer(outcome: Awaitable[Ack], event: str, sid: str) -> Ack:
    try:
        return await outcome
    except TandemError as error:
        return error.to_wire()
    except Exception:
        logger.exception("handler for %s failed", event, extra={"sid": sid})
        return {"ok": False, "error": ErrorCode.INTERNAL, "message": "Something went wrong."}


def ok(**fields: Any) -> Ack:
    return {"ok": True, **fields}


def unknown_event() -> Ack:
    """For a name this namespace does not handle, a reserved name, or no name at all."""
    return InvalidInput("Unknown event.", field="event").to_wire()


def extra_arguments() -> Ack:
    """Every event takes at most one payload; more positional arguments are refused before
    the handler runs, so none of them can reach it."""
    return InvalidInput("Send one payload with this event.", field="arguments").to_wire()
