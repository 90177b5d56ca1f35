"""Turning handler outcomes into acks: every event gets exactly one answer.

python-socketio logs an exception raised in a handler and sends no ack, which leaves the
browser waiting forever; this wrapper answers with the error's wire form instead.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from rooms.errors import TandemError

logger = logging.getLogger(__name__)

P = ParamSpec("P")
S = TypeVar("S")
Ack = dict[str, Any]


def acked(
    handler: Callable[Concatenate[S, str, P], Coroutine[Any, Any, Ack]],
) -> Callable[Concatenate[S, str, P], Coroutine[Any, Any, Ack]]:
    @functools.wraps(handler)
    async def wrapper(self: S, sid: str, /, *args: P.args, **kwargs: P.kwargs) -> Ack:
        try:
            return await handler(self, sid, *args, **kwargs)
        except TandemError as error:
            return error.to_wire()
        except Exception:
            logger.exception("handler %s failed", handler.__name__, extra={"sid": sid})
            return {"ok": False, "error": "internal", "message": "Something went wrong."}

    return wrapper


def ok(**fields: Any) -> Ack:
    return {"ok": True, **fields}
