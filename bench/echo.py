"""Scenario 6, tech-check echo: server CPU per concurrent echo session and how many sessions
one core sustains with >= 25 fps returned, for Tandem's passthrough echo (the default) and the
decode/re-encode echo it replaced (EchoMode.RELAY), video 640x480@30 and audio-only.

The echo service runs alone in a process pinned to CPU 0 (bench/echo_server.py); the clients
are aiortc peers in this process on CPU 1, sending a synthetic moving 640x480 picture (VP8)
and audio, and counting the frames that come back. Client encoding is costly, so CPU 1 can
drive only a few video sessions: sessions per core is extrapolated from CPU per session, and
the returned fps at the measured level says whether that level still kept up.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import aioice.ice
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from bench.machine import SERVER_CPU, Sampler
from bench.results import Recorder, table
from bench.servers import ROOT, stop, wait_port

WIDTH, HEIGHT, FPS = 640, 480, 30
PORT = 7104


def _pattern(count: int = 30) -> list[bytes]:
    """Luma planes of a diagonal pattern that moves every frame (built once: no numpy)."""
    row = bytes((x * 3) & 255 for x in range(WIDTH + HEIGHT + 8 * count))
    base = b"".join(row[y : y + WIDTH] for y in range(HEIGHT))
    return [base[i * 8 * WIDTH :] + base[: i * 8 * WIDTH] for i in range(count)]


class MovingVideo(VideoStreamTrack):
    def __init__(self, planes: list[bytes]) -> None:
        super().__init__()
        self._planes = planes
        self._n = 0

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(WIDTH, HEIGHT, "yuv420p")
        frame.planes[0].update(self._planes[self._n % len(self._planes)])
        frame.planes[1].update(bytes([128]) * frame.planes[1].buffer_size)
        frame.planes[2].update(bytes([128]) * frame.planes[2].buffer_size)
        self._n += 1
        frame.pts, frame.time_base = pts, time_base
        return frame


@dataclass
class EchoClient:
    video: bool
    planes: list[bytes]
    pc: RTCPeerConnection = field(default_factory=RTCPeerConnection)
    frames: dict[str, int] = field(default_factory=lambda: {"video": 0, "audio": 0})
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self, http: aiohttp.ClientSession) -> None:
        if self.video:
            self.pc.addTrack(MovingVideo(self.planes))
        self.pc.addTrack(AudioStreamTrack())
        self.pc.on("track", self._watch)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        body = {"sdp": self.pc.localDescription.sdp, "type": "offer"}
        async with http.post(f"http://127.0.0.1:{PORT}/offer", json=body) as response:
            answer = await response.json()
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    def _watch(self, track: MediaStreamTrack) -> None:
        task = asyncio.create_task(self._count(track))
        self.tasks.add(task)

    async def _count(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                self.frames["video" if isinstance(frame, VideoFrame) else "audio"] += 1
        except MediaStreamError:
            pass

    async def close(self) -> None:
        await self.pc.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def _level(sessions: int, video: bool, warm: float, window: float) -> dict[str, float]:
    planes = _pattern() if video else []
    clients = [EchoClient(video, planes) for _ in range(sessions)]
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(c.start(http) for c in clients))
    try:
        await asyncio.sleep(warm)
        kind = "video" if video else "audio"
        before = [c.frames[kind] for c in clients]
        start = time.monotonic()
        await asyncio.sleep(window)
        secs = time.monotonic() - start
        rates = [(c.frames[kind] - b) / secs for c, b in zip(clients, before, strict=True)]
        return {"start": start, "end": start + secs, "min_rate": min(rates)}
    finally:
        await asyncio.gather(*(c.close() for c in clients))


@dataclass(frozen=True)
class Level:
    mode: str  # passthrough | relay
    video: bool
    sessions: int

    @property
    def measure(self) -> str:
        kind = "video" if self.video else "audio"
        name = "transcode" if self.mode == "relay" else self.mode
        return f"{kind}-{name}"


def _levels(quick: bool) -> list[Level]:
    if quick:
        return [Level("passthrough", True, 2), Level("relay", True, 2)]
    return [
        Level("passthrough", True, 1),
        Level("passthrough", True, 3),
        Level("relay", True, 1),
        Level("relay", True, 3),
        Level("passthrough", False, 4),
        Level("relay", False, 4),
    ]


def run(rec: Recorder, quick: bool) -> str:
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    warm, window = (3.0, 5.0) if quick else (3.0, 8.0)
    rows: list[dict[str, Any]] = []
    for level in _levels(quick):
        print(f"  echo {level.measure} x{level.sessions}", flush=True)
        argv = ["taskset", "-c", str(SERVER_CPU), sys.executable, "-m", "bench.echo_server"]
        argv += ["--port", str(PORT), "--mode", level.mode]
        proc = subprocess.Popen(argv, cwd=ROOT)
        try:
            wait_port(PORT)
            with Sampler(proc.pid) as sampler:
                got = asyncio.run(_level(level.sessions, level.video, warm, window))
            _, cpu, other = sampler.window(got["start"], got["end"])
        finally:
            stop(proc)
        per_session = cpu / level.sessions
        target_rate = FPS * 25 / 30 if level.video else 45.0  # >= 25 fps; audio 50 frames/s
        row = {
            "measure": level.measure,
            "sessions": level.sessions,
            "server_cpu": round(cpu, 1),
            "cpu_per_session": round(per_session, 2),
            "sessions_per_core": round(100 / per_session, 1) if per_session > 0 else None,
            "min_rate": round(got["min_rate"], 1),
            "kept_up": got["min_rate"] >= target_rate,
            "other_cpu": round(other, 1),
        }
        rows.append(row)
        rec.add("echo", "tandem-echo", f"{level.measure}-x{level.sessions}", summary=row)
    # the goal compares, per mode, the largest video level whose clients still got >= 25 fps
    # back (a level that did not keep up forwarded fewer frames, so its CPU per session is low)
    for measure in ("video-passthrough", "video-transcode"):
        same = [r for r in rows if r["measure"] == measure]
        kept = [r for r in same if r["kept_up"]] or same
        if kept:
            rec.add("echo", "tandem-echo", measure, summary=kept[-1])
    columns = [
        ("echo", "measure"),
        ("sessions", "sessions"),
        ("server CPU %", "server_cpu"),
        ("CPU % per session", "cpu_per_session"),
        ("sessions per core (extrapolated)", "sessions_per_core"),
        ("lowest returned frames/s", "min_rate"),
        ("≥ 25 fps (audio: ≥ 45/s)", "kept_up"),
        ("other CPU %", "other_cpu"),
    ]
    return table("Tech-check echo (scenario 6)", columns, rows)
