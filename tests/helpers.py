"""Small helpers the tests share: reading CSRF tokens from pages, logging in, fake clocks."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from rooms.accounts import NewAccount
from server.keys import ACCOUNTS

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class FakeClock:
    """Time that moves only when a test says so."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def csrf_for(client: TestClient, path: str) -> str:
    response = await client.get(path)
    return csrf_from(await response.text())


async def make_coach(client: TestClient, email: str, name: str = "Coach") -> None:
    account = NewAccount.parse({"email": email, "display_name": name, "password": PASSWORD})
    await client.app[ACCOUNTS].register(account)


async def login(client: TestClient, email: str, password: str = PASSWORD) -> int:
    token = await csrf_for(client, "/login")
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "csrf": token},
        allow_redirects=False,
    )
    return response.status


async def post_form(
    client: TestClient, page: str, action: str, data: dict[str, str]
) -> tuple[int, str]:
    """Submits a form the way a browser does: CSRF from the page that shows it."""
    token = await csrf_for(client, page)
    response = await client.post(action, data={**data, "csrf": token}, allow_redirects=False)
    return response.status, response.headers.get("Location", "") or await response.text()


@dataclass
class Pair:
    """A coach and a client of one engagement, with the credentials each connects with."""

    engagement_id: str
    coach_cookie: str
    invite: str
    session_minutes: int = 60


async def make_pair(
    app: object, email: str = "coach@example.org", client: str = "Kari", language: str = "en"
) -> Pair:
    from aiohttp import web

    from rooms.engagements import EngagementDraft
    from server.keys import ENGAGEMENTS, STORE

    assert isinstance(app, web.Application)
    if await app[STORE].coach_by_email(email) is None:
        account = NewAccount.parse({"email": email, "display_name": "Coach", "password": PASSWORD})
        await app[ACCOUNTS].register(account)
    coach = await app[STORE].coach_by_email(email)
    assert coach is not None
    draft = EngagementDraft.parse({"client_name": client, "language": language})
    engagement = await app[ENGAGEMENTS].create(coach.id, draft)
    token, _ = await app[ACCOUNTS].login(email, PASSWORD, "127.0.0.1")
    return Pair(engagement.id, token, engagement.invite_token, engagement.session_minutes)


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 15.0) -> float:
    """Polls a condition that is exposed only as a state or a count (resources released,
    /readyz turning), not as an event to await; returns how long it took to hold."""
    start = time.monotonic()
    async with asyncio.timeout(timeout):
        while True:
            outcome = check()
            if await outcome if inspect.isawaitable(outcome) else outcome:
                return time.monotonic() - start
            await asyncio.sleep(0.05)


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stops a helper started with `start_new_session=True` (Firefox, PulseAudio, coturn)
    together with every child it spawned: SIGTERM to the group, SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        process.wait()
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def node_json(module_source: str, stdin: str = "") -> Any:
    """Runs an ES module with node from the repository root and parses what it prints:
    how a test asks the browser's own modules (web/static/js) for their answer."""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", module_source],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)
