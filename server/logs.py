"""Structured logging: one JSON object per line, configured once by the CLI.

Invite and setup tokens live in URL paths, so the access log redacts those segments;
nothing else in Tandem logs tokens, passwords, SDP or board text.
"""

from __future__ import annotations

import json
import logging
import re
import time

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

_SECRET_PATH = re.compile(r"^/(i|setup)/[^/?]+")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


def redact_path(path: str) -> str:
    return _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/…", path)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class AccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, elapsed: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            redact_path(request.path),
            response.status,
            extra={"ms": round(elapsed * 1000, 1), "at": time.time()},
        )
