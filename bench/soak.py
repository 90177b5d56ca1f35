"""Scenario `soak` (issue 12, acceptance 9): does anything pile up per session?

One `tandem serve` (SQLite, pinned like every server under test) goes through 2,000
connect/join/leave cycles: in each, a coach's and a client's Socket.IO client connect to
`/room` (the coach with the login cookie, the client with the invite), both `join`, both
`leave` and disconnect. Ten rooms cycle side by side. The server's resident memory and its
open file descriptors are read from /proc once the first 200 cycles are done and again
after all 2,000, each time after the server has closed the last connection (its
descriptor count has stopped moving); a leak of a few KB per session shows as growth.

The goal: RSS after 2,000 within 5 % of RSS after 200, and the same descriptor count.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import socketio

from bench.machine import rss_kb
from bench.results import Recorder, table
from bench.servers import TandemFixture, serving, targets

CYCLES = 2000
BASELINE_AT = 200
EVERY = 600  # also settle and read at every multiple of this, to show the trend
ROOMS = 10
QUIET_SECS = 1.0  # descriptor count unchanged this long: the server has let go
SETTLE_LIMIT = 60.0


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def settled(pid: int) -> tuple[int, int]:
    """(RSS in KB, open descriptors) once the descriptor count has been still for a while."""
    deadline = time.monotonic() + SETTLE_LIMIT
    last, since = fds(pid), time.monotonic()
    while time.monotonic() - since < QUIET_SECS and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        now = fds(pid)
        if now != last:
            last, since = now, time.monotonic()
    return rss_kb(pid), last


async def _member(url: str, auth: dict[str, str], cookie: str | None) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    headers = {"Cookie": cookie} if cookie else {}
    await sio.connect(
        url,
        namespaces=["/room"],
        auth=auth,
        headers=headers,
        transports=["websocket"],
        wait_timeout=30,  # the namespace connect on a loaded machine; 1 s by default
    )
    ack = await sio.call("join", {"device": secrets.token_urlsafe(16)}, namespace="/room")
    if not ack.get("ok"):
        raise RuntimeError(f"join refused: {ack}")
    return sio


async def cycle(url: str, cookie: str, engagement: str, invite: str) -> None:
    coach = await _member(url, {"engagement": engagement}, cookie)
    client = await _member(url, {"invite": invite}, None)
    for member in (client, coach):
        ack = await member.call("leave", {}, namespace="/room")
        if not ack.get("ok"):
            raise RuntimeError(f"leave refused: {ack}")
        await member.disconnect()


async def soak(port: int, pid: int, creds: dict[str, Any]) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}"
    rooms = creds["engagements"][:ROOMS]
    marks: dict[int, tuple[int, int]] = {}
    done = 0
    started = time.monotonic()
    while done < CYCLES:
        await asyncio.gather(*(cycle(url, creds["cookie"], e, i) for e, i in rooms))
        done += len(rooms)
        if done in (BASELINE_AT, CYCLES) or done % EVERY == 0:
            marks[done] = await settled(pid)
            print(f"soak: {done} cycles, RSS {marks[done][0]} KB, {marks[done][1]} fds", flush=True)
    (rss_base, fd_base), (rss_end, fd_end) = marks[BASELINE_AT], marks[CYCLES]
    growth = (rss_end - rss_base) / rss_base * 100
    return {
        "cycles": CYCLES,
        "rooms": ROOMS,
        "secs": round(time.monotonic() - started, 1),
        "rss_kb_at_200": rss_base,
        "rss_kb_at_end": rss_end,
        "rss_growth_pct": round(growth, 2),
        "trend": {done: list(mark) for done, mark in sorted(marks.items())},
        "fds_at_200": fd_base,
        "fds_at_end": fd_end,
        "rss_ok": abs(growth) <= 5.0,
        "fds_ok": fd_end == fd_base,
    }


def run(fixture: TandemFixture, rec: Recorder, log_dir: Path, quick: bool) -> str:
    target = targets()["tandem"]
    with serving(target, fixture, log_dir) as running:
        assert running.creds is not None
        creds = json.loads(running.creds.read_text())
        row = asyncio.run(soak(running.port, running.pid, creds))
    rec.add("soak", target.name, "rss-fds", server_argv=running.argv, **row)
    columns = [
        ("cycles", "cycles"),
        ("RSS after 200 (KB)", "rss_kb_at_200"),
        ("RSS after all (KB)", "rss_kb_at_end"),
        ("growth %", "rss_growth_pct"),
        ("fds after 200", "fds_at_200"),
        ("fds after all", "fds_at_end"),
        ("within 5 %", "rss_ok"),
        ("fds unchanged", "fds_ok"),
        ("secs", "secs"),
    ]
    return table("Soak: connect/join/leave cycles on /room (SQLite)", columns, [row])
