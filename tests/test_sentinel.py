"""Redis that fails over (issue 18, acceptance 4): a real master, a replica and three real
Sentinels on free ports; board ops through Tandem (REDIS_SENTINELS, REDIS_WAIT_REPLICAS=1);
the master is killed; after the failover Tandem serves again by itself, and every
acknowledged op is there: 0 lost, counted.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from server.app import create_app
from server.config import Settings
from tests.boards import board_client, op_id
from tests.helpers import FakeClock, eventually, make_pair
from tests.redis_server import MASTER_NAME, RedisServer, SentinelServer
from tests.sockets import Recorder

pytestmark = pytest.mark.redis

OPS_BEFORE, OPS_TOTAL = 10, 30
RETRY_EVERY = 0.2  # the page's retry pace after an `unavailable` answer


@dataclass
class Replicated:
    master: RedisServer
    replica: RedisServer
    sentinels: list[SentinelServer]


async def _info(port: int, section: str) -> dict[str, Any]:
    client = Redis(port=port)
    try:
        return dict(await client.info(section))
    finally:
        await client.aclose()


async def _sentinel_ready(sentinel: SentinelServer) -> bool:
    client = Redis(port=sentinel.port, decode_responses=True)
    try:
        replicas = await client.execute_command("SENTINEL", "REPLICAS", MASTER_NAME)
        others = await client.execute_command("SENTINEL", "SENTINELS", MASTER_NAME)
        return len(replicas) == 1 and len(others) == 2
    finally:
        await client.aclose()


@pytest.fixture
async def replicated(tmp_path: Path) -> AsyncIterator[Replicated]:
    master = RedisServer(tmp_path / "master")
    master.start()
    replica = RedisServer(tmp_path / "replica", replica_of=master.port)
    sentinels = [SentinelServer(tmp_path / f"sentinel{i}", master.port) for i in range(3)]
    try:
        replica.start()
        await eventually(
            lambda: _replica_online(master.port), timeout=30
        )  # replicating before anyone writes
        for sentinel in sentinels:
            sentinel.start()
        for sentinel in sentinels:  # each knows the replica and the two others: quorum
            await eventually(lambda s=sentinel: _sentinel_ready(s), timeout=60)
        yield Replicated(master, replica, sentinels)
    finally:
        for sentinel in sentinels:
            sentinel.stop()
        replica.stop()
        master.stop()


async def _replica_online(port: int) -> bool:
    info = await _info(port, "replication")
    return info.get("connected_slaves") == 1 and "online" in str(info.get("slave0", ""))


async def _is_master(port: int) -> bool:
    return (await _info(port, "replication")).get("role") == "master"


async def test_a_failover_loses_no_acknowledged_board_op(
    replicated: Replicated,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    data_dir: Path,
    clock: FakeClock,
) -> None:
    settings = Settings(
        data_dir=data_dir,
        redis_url=f"redis://127.0.0.1:{replicated.master.port}/0",
        redis_sentinels=tuple(s.address for s in replicated.sentinels),
        redis_sentinel_master=MASTER_NAME,
        redis_wait_replicas=1,
        redis_wait_ms=500,
    )
    server = await aiohttp_server(create_app(settings, clock=clock))
    pair = await make_pair(server.app)
    url = str(server.make_url("/"))
    board = await board_client(url, pair)
    acked: list[str] = []
    refused: dict[str, int] = {}
    try:
        assert (await board.call("join"))["ok"]
        await _until_acked(board, acked, refused)
        stalled = await _a_stalled_replica_means_unavailable(board, replicated.replica)
        await _until_acked(board, acked, refused, stalled)  # re-sent: stored once, acked
        while len(acked) < OPS_TOTAL:
            if len(acked) == OPS_BEFORE and replicated.master.running:
                # Acknowledged means on the replica too (WAIT): look there, then kill.
                assert await _ops_on(replicated.replica.port, pair.engagement_id) == len(acked)
                replicated.master.kill()
            await _until_acked(board, acked, refused)
        assert await _is_master(replicated.replica.port), "the replica was promoted"
        fresh = await board_client(url, pair)
        try:
            answer = await fresh.call("join", {"since": 0})
        finally:
            await fresh.close()
    finally:
        await board.close()
    assert answer["ok"], answer
    logged = [record["op_id"] for record in answer["ops"]]
    lost = [ident for ident in acked if ident not in logged]
    assert (len(acked), len(lost)) == (OPS_TOTAL, 0)
    assert len(logged) == len(set(logged)) == OPS_TOTAL  # a re-sent op is stored once
    assert set(refused) == {"unavailable"} and refused["unavailable"] > 0  # refused clearly


async def _a_stalled_replica_means_unavailable(board: Recorder, replica: RedisServer) -> str:
    """The replica does not confirm within REDIS_WAIT_MS: the op is answered `unavailable`
    although the master has it; returns its op id, for the re-send."""
    assert replica.process is not None
    ident = op_id()
    replica.process.send_signal(signal.SIGSTOP)
    try:
        ack = await board.call("op", {"op_id": ident, "base_version": 0, "op": _op(ident)})
    finally:
        replica.process.send_signal(signal.SIGCONT)
    assert ack["error"] == "unavailable", ack
    return ident


def _op(ident: str) -> dict[str, Any]:
    return {"type": "add", "collection": "goals", "id": f"g-{ident}", "fields": {"title": "x"}}


async def _ops_on(port: int, engagement_id: str) -> int:
    client = Redis(port=port)
    try:
        return int(await client.llen(f"tandem:board-ops:{engagement_id}"))
    finally:
        await client.aclose()


async def _until_acked(
    board: Recorder, acked: list[str], refused: dict[str, int], ident: str = ""
) -> None:
    """One op, re-sent by its op id until acknowledged, as web/static/js/board.js does."""
    ident = ident or op_id()
    op = _op(ident)
    async with asyncio.timeout(90):
        while True:
            ack = await board.call("op", {"op_id": ident, "base_version": 0, "op": op})
            if ack["ok"]:
                acked.append(ident)
                return
            refused[ack["error"]] = refused.get(ack["error"], 0) + 1
            await asyncio.sleep(RETRY_EVERY)
