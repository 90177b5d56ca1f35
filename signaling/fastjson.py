"""orjson behind the `dumps`/`loads` pair python-socketio asks of a json module.

Every Socket.IO packet is JSON-encoded once per send and decoded once per receive, so the
encoder sits on the hot path of signalling and the board; orjson is several times faster than
the standard library there (measured in docs/performance.md). Whatever orjson refuses (an
integer beyond 64 bits on the way out, a lone surrogate on the way in) goes to the standard
library instead, so behaviour never gets stricter than python-socketio's default.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ("dumps", "loads")

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, **kwargs: Any) -> str:
    """python-socketio passes `separators=(',', ':')`; orjson's output is already compact."""
    try:
        return orjson.dumps(obj, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(obj, **kwargs)


def loads(text: str | bytes, **kwargs: Any) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, **kwargs)
