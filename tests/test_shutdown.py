"""Graceful restart (issue 18, acceptance 3): SIGTERM to the process holding a call and a
board; both people reconnect by themselves through the tested nginx config to the other
process, keep their seats, the board resyncs, no acknowledged op is lost, and the process
exits within TANDEM_SHUTDOWN_SECONDS. With SQLite, the same clients, and a real room page
in Chromium, resume on the restarted process without a reload.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser
from prometheus_client.parser import text_string_to_metric_families

from signaling.protocol import BOARD_NAMESPACE, ROOM_NAMESPACE
from tests.boards import Mirror, op_id
from tests.browser import context_for
from tests.helpers import Pair, eventually
from tests.processes import Cluster, ServerProcess, login_cookie, make_pair_cli, started_cluster
from tests.redis_server import RedisServer
from tests.sockets import Recorder
from tests.test_nginx import proxy

__all__ = ["proxy"]  # the fixture, used by name

GRACE = 30  # seconds a dropped connection keeps its seat
DEADLINE = 8  # TANDEM_SHUTDOWN_SECONDS
ENV = {
    "TANDEM_RECONNECT_GRACE_SECONDS": str(GRACE),
    "TANDEM_SHUTDOWN_SECONDS": str(DEADLINE),
    "TANDEM_METRICS_ALLOW": "127.0.0.1",
}


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path: Path) -> Iterator[Cluster]:
    """Two processes as in tests/processes.py, with a long grace and a metrics address."""
    with started_cluster(redis_server, tmp_path, **ENV) as made:
        yield made


async def sockets_on(node: ServerProcess) -> dict[str, float]:
    """The process's own count of its connections, per namespace (its /metrics)."""
    async with aiohttp.ClientSession() as http, http.get(f"{node.url}/metrics") as answer:
        text = await answer.text()
    return {
        sample.labels["namespace"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tandem_sockets_connected"
    }


async def on_node(
    nodes: list[ServerProcess],
    target: ServerProcess | None,
    open_: Callable[[], Awaitable[Recorder]],
) -> tuple[Recorder, ServerProcess]:
    """Opens a connection through nginx until round robin puts it on `target`."""
    for _ in range(8):
        before = [sum((await sockets_on(n)).values()) for n in nodes]
        recorder = await open_()
        after = [sum((await sockets_on(n)).values()) for n in nodes]
        landed = next(n for n, b, a in zip(nodes, before, after, strict=True) if a > b)
        if target is None or landed is target:
            await recorder.next("connect")  # the first connection's event
            return recorder, landed
        await recorder.close()
    raise AssertionError("round robin never reached the target process")


def opener(url: str, namespace: str, pair: Pair, role: str) -> Callable[[], Awaitable[Recorder]]:
    async def open_() -> Recorder:
        recorder = Recorder(namespace, reconnect=True)
        if role == "coach":
            auth = {"engagement": pair.engagement_id}
            await recorder.connect(url, auth, cookie=pair.coach_cookie)
        else:
            await recorder.connect(url, {"invite": pair.invite})
        return recorder

    return open_


class Editor:
    """A board page: sends ops one at a time, re-sends an unacknowledged one by its op id
    after reconnecting, and rejoins with `since` its version, as web/static/js/board.js."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.mirror: Mirror | None = None
        self.acked: list[str] = []
        self.refused = 0

    async def join(self) -> None:
        connects = self.recorder.queues["connect"]
        while not connects.empty():  # this join covers every connection so far
            connects.get_nowait()
        since = None if self.mirror is None else self.mirror.version
        answer = await self.recorder.call("join", {} if since is None else {"since": since})
        assert answer["ok"], answer
        if self.mirror is None:
            self.mirror = Mirror(answer)
        else:
            for record in answer["ops"]:
                self.mirror.take(record)

    async def edit(self, count: int, title: str) -> None:
        for _ in range(count):
            ident = op_id()
            fields = {"title": title}
            await self._until_acked(
                ident, {"type": "add", "collection": "goals", "id": f"g-{ident}", "fields": fields}
            )

    async def _until_acked(self, ident: str, op: dict[str, Any]) -> None:
        while True:
            self.catch_up()
            assert self.mirror is not None
            request = {"op_id": ident, "base_version": self.mirror.version, "op": op}
            try:
                # A call cut off by the drop never gets its ack; give up on it quickly.
                ack = await self.recorder.sio.call(
                    "op", request, namespace=BOARD_NAMESPACE, timeout=4
                )
            except Exception:  # disconnected (or timed out): re-send the same op id
                ack = None
            if ack is not None and ack["ok"]:
                self.acked.append(ident)
                self.mirror.take(ack["record"])
                return
            self.refused += 1
            if BOARD_NAMESPACE not in self.recorder.sio.namespaces:  # cut off: wait for it
                await self.recorder.next("connect", timeout=20)
                await self.join()
            elif ack is not None and ack["error"] == "not-joined":  # a new connection
                await self.join()
            elif ack is not None:
                raise AssertionError(f"op refused: {ack}")

    def catch_up(self) -> None:
        assert self.mirror is not None
        queue = self.recorder.queues["applied"]
        while not queue.empty():
            self.mirror.take(queue.get_nowait())


@pytest.mark.redis
async def test_sigterm_hands_a_call_and_a_board_over_to_the_other_process(
    cluster: Cluster, proxy: str
) -> None:
    nodes = cluster.nodes
    pair = make_pair_cli(cluster.redis, cluster.data_dir)
    pair.coach_cookie = await login_cookie(proxy)
    made: list[Recorder] = []
    try:
        c, target = await on_node(nodes, None, opener(proxy, ROOM_NAMESPACE, pair, "coach"))
        made.append(c)
        k, _ = await on_node(nodes, target, opener(proxy, ROOM_NAMESPACE, pair, "client"))
        made.append(k)
        cb, _ = await on_node(nodes, target, opener(proxy, BOARD_NAMESPACE, pair, "coach"))
        made.append(cb)
        kb, _ = await on_node(nodes, target, opener(proxy, BOARD_NAMESPACE, pair, "client"))
        made.append(kb)
        other = next(n for n in nodes if n is not target)
        assert (await c.call("join", {"device": c.device}))["ok"]
        assert (await k.call("join", {"device": k.device}))["ok"]
        coach_board, client_board = Editor(cb), Editor(kb)
        await coach_board.join()
        await client_board.join()
        await coach_board.edit(5, "before")

        assert target.process is not None
        sent = time.monotonic()
        target.process.send_signal(signal.SIGTERM)
        editing = asyncio.gather(coach_board.edit(15, "during"), client_board.edit(15, "during"))
        code = await asyncio.to_thread(target.process.wait, DEADLINE + 5)
        took = time.monotonic() - sent
        assert code == 0, target.log()[-3000:]
        assert took < DEADLINE, f"exited after {took:.1f} s"
        await editing

        # The old process is gone and the two have not rejoined yet: their seats are held.
        stranger = Recorder()
        made.append(stranger)
        await stranger.connect(proxy, {"invite": pair.invite})
        assert (await stranger.call("join", {"device": stranger.device}))["error"] == "room-full"
        await stranger.close()

        for room in (c, k):  # the room page rejoins on every connect (web/static/js/room.js)
            if room.pending("connect") == 0:
                await room.next("connect", timeout=20)
            ack = await room.call("join", {"device": room.device})
            assert ack["ok"], ack
        assert ack["presence"]["coach"] == "here" and ack["presence"]["client"] == "here"
        both = {ROOM_NAMESPACE: 2.0, BOARD_NAMESPACE: 2.0}  # the stranger has gone again
        await eventually(lambda: _counts_are(other, both))

        fresh = Recorder(BOARD_NAMESPACE)
        made.append(fresh)
        await fresh.connect(proxy, {"invite": pair.invite})
        everything = await fresh.call("join", {"since": 0})
        logged = {record["op_id"] for record in everything["ops"]}
        acked = coach_board.acked + client_board.acked
        assert len(acked) == 35 and len(set(acked)) == 35
        assert set(acked) <= logged, f"lost {len(set(acked) - logged)} acknowledged ops"
        snapshot = await fresh.call("join")
        for editor in (coach_board, client_board):
            await eventually(lambda e=editor: _settled(e, snapshot["version"]))
            assert editor.mirror is not None and editor.mirror.state == snapshot["snapshot"]
        assert "dropped 4 connections" in target.log()
    finally:
        for recorder in made:
            await recorder.close()


async def _counts_are(node: ServerProcess, expected: dict[str, float]) -> bool:
    found = await sockets_on(node)
    return all(found.get(namespace) == count for namespace, count in expected.items())


def _settled(editor: Editor, version: int) -> bool:
    editor.catch_up()
    return editor.mirror is not None and editor.mirror.version == version


async def test_with_sqlite_the_pages_resume_on_the_restarted_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pair = make_pair_cli(None, data_dir)
    node = ServerProcess(None, data_dir, tmp_path / "node.log", **ENV)
    node.start()
    made: list[Recorder] = []
    try:
        pair.coach_cookie = await login_cookie(node.url)
        k = Recorder(reconnect=True)
        kb = Recorder(BOARD_NAMESPACE, reconnect=True)
        made += [k, kb]
        await k.connect(node.url, {"invite": pair.invite})
        await kb.connect(node.url, {"invite": pair.invite})
        for recorder in (k, kb):
            await recorder.next("connect")
        assert (await k.call("join", {"device": k.device}))["ok"]
        board = Editor(kb)
        await board.join()
        await board.edit(3, "before")
        node.stop(signal.SIGTERM)
        restarted = ServerProcess(None, data_dir, tmp_path / "node2.log", port=node.port, **ENV)
        restarted.start()
        try:
            await k.next("connect", timeout=20)  # by itself, no reload
            assert (await k.call("join", {"device": k.device}))["ok"]
            await board.edit(3, "after")  # waits for its reconnect, rejoins with `since`
            everything = await board.recorder.call("join", {"since": 0})
            assert {r["op_id"] for r in everything["ops"]} == set(board.acked)
            assert board.mirror is not None and board.mirror.version == 6
        finally:
            for recorder in made:
                await recorder.close()
            restarted.stop()
    finally:
        node.stop()


DOT = "document.getElementById('status-dot').dataset.state"


@pytest.mark.browser
async def test_a_room_page_resumes_on_the_restarted_process_without_a_reload(
    browser: Browser, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    pair = make_pair_cli(None, data_dir)
    node = ServerProcess(None, data_dir, tmp_path / "node.log", **ENV)
    restarted = ServerProcess(None, data_dir, tmp_path / "node2.log", port=node.port, **ENV)
    node.start()
    context = await context_for(browser, node.url)
    try:
        page = await context.new_page()
        await page.goto(f"/i/{pair.invite}/room")
        await page.get_by_test_id("join").click()
        # Seated and alone: the page says it is waiting for the coach (issue 16).
        await page.wait_for_function(f"() => {DOT} === 'waiting'", timeout=20_000)
        await page.evaluate("() => { window.sameLoad = true; }")
        node.stop(signal.SIGTERM)
        await page.wait_for_function(f"() => {DOT} === 'reconnecting'", timeout=20_000)
        restarted.start()
        await page.wait_for_function(f"() => {DOT} === 'waiting'", timeout=30_000)
        assert await page.evaluate("() => window.sameLoad === true"), "the page was reloaded"
        await eventually(lambda: _seats_held(restarted, 1))  # it rejoined its seat
    finally:
        await context.close()
        restarted.stop()
        node.stop()


async def _seats_held(node: ServerProcess, count: int) -> bool:
    async with aiohttp.ClientSession() as http, http.get(f"{node.url}/metrics") as answer:
        text = await answer.text()
    held = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tandem_seats_held"
    ]
    return held == [count]
