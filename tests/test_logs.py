"""Logs never carry invite tokens, setup tokens or session cookies, in either format;
with TANDEM_LOG_FORMAT=json every line of a real process is one JSON object (issue 18,
acceptance 2)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server.logs import JsonFormatter, TextFormatter, engagement_hash, redact_path
from signaling.observed import SOCKET_ID
from tests.processes import ServerProcess, login_cookie, make_pair_cli
from tests.sockets import Recorder, client, coach

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("tandem", logging.INFO, "x", 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_token_paths_are_redacted() -> None:
    assert redact_path("/i/SECRET-TOKEN") == "/i/…"
    assert redact_path("/setup/SECRET") == "/setup/…"
    assert redact_path("/engagements/abc/room") == f"/engagements/~{engagement_hash('abc')}/room"
    assert redact_path("/engagements/new") == "/engagements/new"


def test_json_lines_with_extras_and_the_engagement_hashed() -> None:
    token = SOCKET_ID.set("sid-123")
    try:
        line = JsonFormatter().format(record("joined %s", "seat", room="eng-secret-id", role="x"))
    finally:
        SOCKET_ID.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "joined seat"
    assert entry["sid"] == "sid-123"
    assert entry["level"] == "info" and entry["logger"] == "tandem"
    assert entry["time"].endswith("+00:00") and isinstance(entry["process"], int)
    assert entry["engagement"] == engagement_hash("eng-secret-id")
    assert "eng-secret-id" not in line and "room" not in entry


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_a_message_quoting_a_secret_is_scrubbed(formatter: logging.Formatter) -> None:
    quoted = record(
        "failed for %s with %s", "http://x/i/INVITE-TOKEN-1?x=1", "tandem_session=COOKIE-VALUE; a=b"
    )
    line = formatter.format(quoted)
    assert "INVITE-TOKEN-1" not in line and "COOKIE-VALUE" not in line
    assert "/i/…" in line


async def test_a_full_call_logged_as_json_shows_no_token_or_cookie(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pair = make_pair_cli(None, data_dir)  # SQLite; the coach exists, so no setup link
    node = ServerProcess(None, data_dir, tmp_path / "node.log", TANDEM_LOG_LEVEL="debug")
    node.start()
    recorders: list[Recorder] = []
    try:
        pair.coach_cookie = await login_cookie(node.url)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{node.url}/i/{pair.invite}") as page:  # the client's link
                assert page.status == 200
            async with http.get(f"{node.url}/i/not-a-real-invite-token") as page:
                assert page.status == 404
        cookies = {"tandem_session": pair.coach_cookie}
        async with (
            aiohttp.ClientSession(cookies=cookies) as http,
            http.get(f"{node.url}/engagements/{pair.engagement_id}") as page,
        ):
            assert page.status == 200
        c, k = await coach(node.url, pair), await client(node.url, pair)
        recorders += [c, k]
        assert (await c.call("join", {"device": c.device}))["ok"]
        assert (await k.call("join", {"device": k.device}))["ok"]
        assert (await c.call("signal", OFFER))["ok"]
        assert (await k.call("media", {"audio": True, "video": False, "screen": False}))["ok"]
        assert (await k.call("connected", {"setup_ms": 900}))["ok"]
        intruder = Recorder()
        recorders.append(intruder)
        with pytest.raises(Exception):  # noqa: B017 - refused at connect
            await intruder.connect(node.url, {"invite": pair.invite + "x"})
        assert (await k.call("leave"))["ok"]
        await k.close()
        await c.close()
    finally:
        for recorder in recorders:
            await recorder.close()
        node.stop()
    text = node.log()
    entries: list[dict[str, Any]] = [json.loads(line) for line in text.splitlines()]
    assert len(entries) > 10
    for entry in entries:
        assert {"time", "level", "logger", "message", "process"} <= entry.keys(), entry
    seated = [e for e in entries if e["message"] == "seat taken"]
    assert len(seated) == 2 and all("sid" in e for e in seated)
    assert {e["engagement"] for e in seated} == {engagement_hash(pair.engagement_id)}
    assert any(e.get("request") for e in entries if e["logger"] == "aiohttp.access")
    for secret in (pair.invite, pair.coach_cookie, pair.engagement_id, "not-a-real-invite"):
        assert secret not in text
