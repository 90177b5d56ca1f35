"""Logging, configured once by the CLI: readable text for a terminal, or one JSON object
per line (`TANDEM_LOG_FORMAT=json`) for a log collector.

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, `process` (the
pid), the `request` id of the HTTP request or the `sid` of the socket event being
handled, and any extras the call passed. An engagement id (extras `room`/`engagement`)
is written only as `engagement`, a short SHA-256 of it (and `/engagements/<id>` in a
path as `/engagements/~<hash>`): lines of one engagement can be followed without the log
naming it.

Secrets never reach a line: invite and setup tokens live in URL paths, which the access
log redacts; aiosqlite's debug lines (which quote SQL parameters) are kept off even at
debug level; and every formatted line is scrubbed once more of token paths and session
cookies in case some message quotes one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from rooms.accounts import SESSION_COOKIE
from signaling.observed import SOCKET_ID

REQUEST_ID: ContextVar[str | None] = ContextVar("tandem_request_id", default=None)
REQUEST_KEY = web.RequestKey("request_id", str)

_SECRET_PATH = re.compile(r"/(i|setup)/[^/?#\s\"']+")
_ENGAGEMENT_PATH = re.compile(r"/engagements/(?!new\b)([A-Za-z0-9_-]+)")
_COOKIE = re.compile(re.escape(SESSION_COOKIE) + r"=[^;\s\"']*")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}
_ENGAGEMENT_KEYS = ("room", "engagement", "engagement_id")


def redact_path(path: str) -> str:
    """Tokens go; an engagement id in a path becomes `~` and its hash."""
    path = _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/…", path)
    return _ENGAGEMENT_PATH.sub(lambda m: f"/engagements/~{engagement_hash(m.group(1))}", path)


def scrub(line: str) -> str:
    return _COOKIE.sub(f"{SESSION_COOKIE}=…", redact_path(line))


def engagement_hash(engagement_id: str) -> str:
    return hashlib.sha256(engagement_id.encode()).hexdigest()[:12]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request, sid = REQUEST_ID.get(), SOCKET_ID.get()
        if request:
            entry["request"] = request
        if sid:
            entry["sid"] = sid
        for key, value in record.__dict__.items():
            if key in _STANDARD:
                continue
            if key in _ENGAGEMENT_KEYS:
                entry["engagement"] = engagement_hash(str(value))
            else:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure(level: str, format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Its debug lines quote every SQL parameter: invite tokens, token digests, names.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))


@web.middleware
async def request_ids(
    request: web.Request, handler: Callable[[web.Request], Awaitable[StreamResponse]]
) -> StreamResponse:
    """Every log line written while handling a request carries its id."""
    request_id = secrets.token_hex(8)
    request[REQUEST_KEY] = request_id
    token = REQUEST_ID.set(request_id)
    try:
        return await handler(request)
    finally:
        REQUEST_ID.reset(token)


class AccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, elapsed: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            redact_path(request.path),
            response.status,
            extra={
                "ms": round(elapsed * 1000, 1),
                "at": time.time(),
                "request": request.get(REQUEST_KEY, ""),
            },
        )
