"""The tuning defaults measured in docs/performance.md are the ones the server runs with."""

from __future__ import annotations

import asyncio
import json

import socketio
import uvloop
from aiohttp.test_utils import TestServer

from server import cli
from server.keys import SIO
from signaling import fastjson


def test_commands_run_on_uvloop() -> None:
    async def loop_type() -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert issubclass(cli.run(loop_type()), uvloop.Loop)


async def test_socketio_packets_use_orjson(server: TestServer) -> None:
    sio = server.app[SIO]
    assert sio.packet_class.json is fastjson
    packet = socketio.packet.Packet(socketio.packet.EVENT, ["op", {"v": "å ✓", "n": 1}], "/board")
    assert packet.encode() == '2/board,["op",{"v":"å ✓","n":1}]'


def test_fastjson_matches_the_standard_library_where_orjson_refuses() -> None:
    big = {"n": 2**70, 1: "int key"}
    assert json.loads(fastjson.dumps(big, separators=(",", ":"))) == {"n": 2**70, "1": "int key"}
    assert fastjson.loads('"\\ud800"') == json.loads('"\\ud800"')
    assert fastjson.loads(b'{"a":[1,2.5,null]}') == {"a": [1, 2.5, None]}
