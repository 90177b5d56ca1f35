"""Redis stopped for 15 seconds under two live processes (issue 7, acceptance 5).

Nothing may die, every refused operation must say so (never a silent drop), /readyz must
follow Redis down and up, and once Redis is back both processes hear each other again
within five seconds. Board edits during the outage are refused, and afterwards both
board clients resync by version and converge.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import aiohttp
import pytest
import socketio

from tests.boards import Mirror, board_client, board_coach, op_id
from tests.helpers import Pair, eventually
from tests.processes import Cluster, ServerProcess, login_cookie, make_pair_cli
from tests.sockets import Recorder, client, coach

pytestmark = pytest.mark.redis

OUTAGE = 15.0
RECOVERY = 5.0
OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}


async def ready(node: ServerProcess) -> bool:
    return await asyncio.to_thread(node.ready)


async def test_a_redis_outage_is_survived_refused_clearly_and_recovered(
    cluster: Cluster, recorders: list[Recorder]
) -> None:
    pair: Pair = make_pair_cli(cluster.redis, cluster.data_dir)
    a, b = cluster.nodes
    pair.coach_cookie = await login_cookie(a.url)
    c, k = await coach(a.url, pair), await client(b.url, pair)
    recorders += [c, k]
    assert (await c.call("join", {"device": c.device}))["ok"]
    assert (await k.call("join", {"device": k.device}))["ok"]
    await c.until("presence", lambda p: p["client"] == "here")
    bc, bk = await board_coach(a.url, pair), await board_client(b.url, pair)
    recorders += [bc, bk]
    coach_board, client_board = Mirror(await bc.call("join")), Mirror(await bk.call("join"))
    coach_board.take((await _edit(bc, _goal("goal-before", "Before")))["record"])
    client_board.take(await bk.next("applied"))

    cluster.redis.stop()
    down_at = time.monotonic()
    for node in (a, b):
        await eventually(lambda node=node: _not(ready(node)), timeout=5)

    again = await k.call("join", {"device": k.device})
    assert again["ok"] is False and again["error"] == "unavailable", again
    assert "Try again" in again["message"]
    relayed = await c.call("signal", OFFER)
    assert relayed == {
        "ok": False,
        "error": "unavailable",
        "message": "The connection between servers is down. Try again in a moment.",
    }
    newcomer = Recorder()
    recorders.append(newcomer)
    refusals: asyncio.Queue[object] = asyncio.Queue()
    newcomer.sio.on("connect_error", refusals.put, namespace="/room")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await newcomer.connect(b.url, {"invite": pair.invite})
    refusal = await asyncio.wait_for(refusals.get(), 5)
    assert isinstance(refusal, dict) and refusal["data"]["error"] == "unavailable", refusal
    async with aiohttp.ClientSession() as http:
        page = await http.get(f"{a.url}/dashboard", headers={"Cookie": _cookie(pair)})
        assert page.status == 503
    for side, ident in ((bc, "goal-coach-down"), (bk, "goal-client-down")):
        refused = await _send(side, _goal(ident, "During the outage"))
        assert refused["ok"] is False and refused["error"] == "unavailable", refused

    await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - down_at)))  # the outage itself
    assert a.alive and b.alive, "no server process may die while Redis is down"
    assert c.sio.connected and k.sio.connected
    cluster.redis.start()

    for node in (a, b):
        took = await eventually(lambda node=node: ready(node), timeout=RECOVERY)
        assert took < RECOVERY
    await eventually(lambda: _relays(c, k), timeout=RECOVERY)
    assert (await k.call("join", {"device": k.device}))["ok"] is True
    client_board.take((await _edit(bk, _goal("goal-after", "After")))["record"])
    for side, view in ((bc, coach_board), (bk, client_board)):
        resync = await side.call("join", {"since": view.version})
        assert resync["ok"] is True, resync
        for record in resync["ops"]:
            view.take(record)
    assert coach_board.version == client_board.version == 2
    assert coach_board.state == client_board.state
    assert {g["title"] for g in coach_board.state["goals"]} == {"Before", "After"}
    assert a.alive and b.alive
    assert "Traceback" not in a.log() + b.log()


def _goal(ident: str, title: str) -> dict[str, Any]:
    return {"type": "add", "collection": "goals", "id": ident, "fields": {"title": title}}


async def _send(recorder: Recorder, op: dict[str, Any]) -> dict[str, Any]:
    ack: dict[str, Any] = await recorder.call("op", {"op_id": op_id(), "op": op})
    return ack


async def _edit(recorder: Recorder, op: dict[str, Any]) -> dict[str, Any]:
    ack = await _send(recorder, op)
    assert ack["ok"] is True, ack
    return ack


async def _not(check: Awaitable[bool]) -> bool:
    return not await check


async def _relays(sender: Recorder, receiver: Recorder) -> bool:
    ack = await sender.call("signal", OFFER)
    if not ack["ok"]:
        return False
    try:
        await receiver.next("signal", timeout=0.5)
    except TimeoutError:
        return False
    return True


def _cookie(pair: Pair) -> str:
    return f"tandem_session={pair.coach_cookie}"
