"""Acceptance 1 of the call: two real aiortc peers signal through the real server and
exchange media; each receives the other's audio and video frames."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from tests.helpers import make_pair
from tests.sockets import Recorder, client, coach

pytestmark = [pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

FRAMES = 10


class Peer:
    """An aiortc peer playing one side of the call, signalling through a Recorder."""

    def __init__(self, socket: Recorder) -> None:
        self.socket = socket
        self.pc = RTCPeerConnection()
        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(VideoStreamTrack())
        self.received: dict[str, int] = {"audio": 0, "video": 0}
        self.enough = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.tasks.append(asyncio.create_task(self._count(track)))

    async def _count(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                await track.recv()
            except Exception:  # MediaStreamError when the call ends
                return
            self.received[track.kind] += 1
            if min(self.received.values()) >= FRAMES:
                self.enough.set()

    async def describe(self, kind: str) -> dict[str, Any]:
        if kind == "offer":
            await self.pc.setLocalDescription(await self.pc.createOffer())
        else:
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        local = self.pc.localDescription
        return {"description": {"type": local.type, "sdp": local.sdp}}

    async def accept(self, message: dict[str, Any]) -> None:
        description = message["description"]
        await self.pc.setRemoteDescription(
            RTCSessionDescription(description["sdp"], description["type"])
        )

    async def close(self) -> None:
        await self.pc.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def test_two_aiortc_peers_exchange_audio_and_video_through_the_server(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    url = str(server.make_url("/"))
    coach_socket, client_socket = await coach(url, pair), await client(url, pair)
    recorders += [coach_socket, client_socket]
    for socket in (coach_socket, client_socket):
        assert (await socket.call("join", {"device": socket.device}))["ok"]
    caller, callee = Peer(coach_socket), Peer(client_socket)
    try:
        assert (await coach_socket.call("signal", await caller.describe("offer")))["ok"]
        await callee.accept(await client_socket.next("signal"))
        assert (await client_socket.call("signal", await callee.describe("answer")))["ok"]
        await caller.accept(await coach_socket.next("signal"))
        await asyncio.wait_for(asyncio.gather(caller.enough.wait(), callee.enough.wait()), 30)
    finally:
        await caller.close()
        await callee.close()
    for peer in (caller, callee):
        assert peer.received["audio"] >= FRAMES and peer.received["video"] >= FRAMES
