"""Logs never carry invite or setup tokens."""

from __future__ import annotations

import json
import logging

from server.logs import JsonFormatter, redact_path


def test_token_paths_are_redacted() -> None:
    assert redact_path("/i/SECRET-TOKEN") == "/i/…"
    assert redact_path("/setup/SECRET") == "/setup/…"
    assert redact_path("/engagements/abc") == "/engagements/abc"


def test_json_lines_with_extras() -> None:
    record = logging.LogRecord("tandem", logging.INFO, "x", 1, "joined %s", ("room1",), None)
    record.sid = "abc"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "joined room1"
    assert entry["sid"] == "abc"
    assert entry["level"] == "info"
