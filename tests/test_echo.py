"""The echo peer against real aiortc client peers in this process, over loopback.

Run inside a loopback-only network namespace (see /work/shared/WEBRTC-ON-LOOPBACK.md):
    unshare -n sh -c 'ip link set lo up && exec python -m pytest tests/test_echo.py'
"""

from __future__ import annotations

import array
import asyncio
import math
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from rooms.errors import Busy, InvalidInput, NotFound
from signaling.echo import EchoConfig, EchoMode, EchoService
from signaling.echo.offer import MAX_OFFER_BYTES
from tests.helpers import eventually

pytestmark = [pytest.mark.webrtc, pytest.mark.usefixtures("loopback_ice")]

WIDTH, HEIGHT, LUMA = 320, 240, 180  # a flat grey picture survives VP8 nearly unchanged
FRAMES = 15
TIMEOUT = 15.0


class GreyVideo(VideoStreamTrack):
    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for plane, value in zip(frame.planes, (LUMA, 128, 128), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


class Tone(AudioStreamTrack):
    """440 Hz, so an echoed frame can be told apart from silence."""

    async def recv(self) -> AudioFrame:
        frame = await super().recv()
        assert isinstance(frame, AudioFrame) and frame.pts is not None
        start, rate = frame.pts, frame.sample_rate
        samples = array.array(
            "h",
            (
                int(8000 * math.sin(2 * math.pi * 440 * (start + i) / rate))
                for i in range(frame.samples)
            ),
        )
        frame.planes[0].update(samples.tobytes())
        return frame


@dataclass
class Collector:
    """Counts echoed frames the client could decode and that carry what it sent."""

    video: int = 0
    audio: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def watch(self, track: MediaStreamTrack) -> None:
        task = asyncio.create_task(self._consume(track))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _consume(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame) and _looks_grey(frame):
                    self.video += 1
                elif isinstance(frame, AudioFrame) and _rms(frame) > 1000:
                    self.audio += 1
                if self.video >= FRAMES and self.audio >= FRAMES:
                    self.done.set()
        except MediaStreamError:
            pass


def _looks_grey(frame: VideoFrame) -> bool:
    plane = frame.planes[0]
    row = bytes(plane)[HEIGHT // 2 * plane.line_size :][:WIDTH]
    return (frame.width, frame.height) == (WIDTH, HEIGHT) and abs(sum(row) / WIDTH - LUMA) < 10


def _rms(frame: AudioFrame) -> float:
    samples = array.array("h", bytes(frame.planes[0]))
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


class Client:
    def __init__(self) -> None:
        self.pc = RTCPeerConnection()
        self.frames = Collector()
        self.connected = asyncio.Event()
        self.pc.addTrack(GreyVideo())
        self.pc.addTrack(Tone())
        self.pc.on("track", self.frames.watch)
        self.pc.on("connectionstatechange", self._on_state)

    def _on_state(self) -> None:
        if self.pc.connectionState == "connected":
            self.connected.set()

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def connect(self, service: EchoService) -> str:
        session = await service.open(await self.offer(), "offer")
        await self.pc.setRemoteDescription(RTCSessionDescription(session.answer_sdp, "answer"))
        return session.session_id

    async def vanish(self) -> None:
        for transceiver in self.pc.getTransceivers():
            await transceiver.receiver.transport.transport.stop()

    async def close(self) -> None:
        await self.pc.close()
        for task in list(self.frames.tasks):
            task.cancel()
        await asyncio.gather(*self.frames.tasks, return_exceptions=True)


def decoder_threads() -> int:
    return sum(t.name.endswith("-decoder") for t in threading.enumerate())


@pytest.fixture
async def make_service() -> AsyncIterator[Callable[..., Awaitable[EchoService]]]:
    services: list[EchoService] = []

    async def make(**settings: object) -> EchoService:
        service = EchoService(EchoConfig(**settings))  # type: ignore[arg-type]
        await service.start()
        services.append(service)
        return service

    yield make
    for service in services:
        await service.aclose()
        assert service.resources().peer_connections == 0


@pytest.mark.parametrize("mode", [EchoMode.PASSTHROUGH, EchoMode.RELAY])
async def test_client_receives_its_own_video_and_audio(make_service, mode: EchoMode) -> None:
    service = await make_service(mode=mode)
    client = Client()
    try:
        session_id = await client.connect(service)
        async with asyncio.timeout(TIMEOUT):
            await client.frames.done.wait()
        stats = await service.stats(session_id)
    finally:
        await client.close()

    assert stats["mode"] == mode
    assert stats["connection_state"] == "connected"
    inbound = stats["inbound"]
    assert isinstance(inbound, dict)
    assert inbound["video"]["packets"] > 0 and inbound["audio"]["packets"] > 0
    assert inbound["video"]["packets_lost"] == 0 and "jitter_ms" in inbound["audio"]
    assert stats["transport"]["bytes_received"] > 0  # type: ignore[index]
    assert stats["outbound"]["video"]["packets"] > 0  # type: ignore[index]


async def test_capacity_is_capped_with_a_retry_hint(make_service) -> None:
    service = await make_service(max_sessions=2, max_session_seconds=30)
    clients = [Client() for _ in range(3)]
    try:
        first = await service.open(await clients[0].offer(), "offer")
        await service.open(await clients[1].offer(), "offer")
        offer = await clients[2].offer()
        with pytest.raises(Busy) as refused:
            await service.open(offer, "offer")
        assert refused.value.code == "busy" and 1 <= refused.value.retry_after <= 30

        assert await service.close(first.session_id)
        assert not await service.close(first.session_id)  # already gone: harmless
        with pytest.raises(NotFound):
            await service.stats(first.session_id)
        third = await service.open(offer, "offer")
        assert third.mode == EchoMode.PASSTHROUGH and service.resources().sessions == 2
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def test_abandoned_sessions_release_everything(make_service) -> None:
    baseline_tasks = len(asyncio.all_tasks())
    service = await make_service(max_sessions=25, idle_timeout_seconds=1)
    clients = [Client() for _ in range(20)]
    await asyncio.gather(*(client.connect(service) for client in clients))
    async with asyncio.timeout(TIMEOUT):
        await asyncio.gather(*(client.connected.wait() for client in clients))
    assert service.resources().peer_connections == 20

    # Half hang up without a word to the service, as a closed tab would (DTLS close_notify
    # still reaches it); half vanish outright, as a dropped network would: their ICE
    # transport stops and not one more packet arrives, so only the idle watchdog can tell.
    hung_up, vanished = clients[:10], clients[10:]
    await asyncio.gather(*(client.close() for client in hung_up))
    await asyncio.gather(*(client.vanish() for client in vanished))

    await eventually(lambda: service.resources() == (0, 0, 0))
    await asyncio.gather(*(client.close() for client in vanished))
    await eventually(lambda: decoder_threads() == 0)
    await eventually(lambda: len(asyncio.all_tasks()) <= baseline_tasks)


async def test_time_limits_close_sessions_the_client_keeps_open(make_service) -> None:
    service = await make_service(max_session_seconds=1.5, connect_timeout_seconds=1)
    connected, silent = Client(), Client()
    try:
        await connected.connect(service)
        await service.open(await silent.offer(), "offer")  # answer never applied
        assert service.resources().sessions == 2
        await eventually(lambda: service.resources() == (0, 0, 0), timeout=5)
    finally:
        await asyncio.gather(connected.close(), silent.close())


async def test_aclose_releases_live_sessions(make_service) -> None:
    service = await make_service()
    clients = [Client() for _ in range(3)]
    late = Client()
    try:
        await asyncio.gather(*(client.connect(service) for client in clients))
        async with asyncio.timeout(TIMEOUT):  # echo flowing: every receiver has started
            await asyncio.gather(*(client.frames.done.wait() for client in clients))
        assert decoder_threads() == 4 * len(clients)  # audio + video, client + server

        await service.aclose()

        assert service.resources() == (0, 0, 0)
        assert decoder_threads() <= 2 * len(clients)  # only the clients' own are left
        with pytest.raises(Busy):
            await service.open(await late.offer(), "offer")
    finally:
        await asyncio.gather(*(client.close() for client in [*clients, late]))
    await eventually(lambda: decoder_threads() == 0)


BROKEN_SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n"
)


@pytest.mark.parametrize(
    ("sdp", "kind"),
    [
        ("garbage", "offer"),
        ("", "offer"),
        (BROKEN_SDP, "offer"),  # parses, but no ICE credentials or fingerprint
        (BROKEN_SDP.replace("VP8/90000", "nonsense"), "offer"),
        ("v=0\r\n" + "a=x\r\n" * (MAX_OFFER_BYTES // 4), "offer"),
        ("valid or not", "answer"),
    ],
    ids=["garbage", "empty", "no-ice", "bad-rtpmap", "oversized", "not-an-offer"],
)
async def test_bad_offers_are_invalid_input_and_service_carries_on(
    make_service, sdp: str, kind: str
) -> None:
    service = await make_service(max_sessions=1)
    with pytest.raises(InvalidInput):
        await service.open(sdp, kind)
    assert service.resources() == (0, 0, 0)

    client = Client()
    try:
        await client.connect(service)  # the one slot was not leaked
        async with asyncio.timeout(TIMEOUT):
            await client.connected.wait()
    finally:
        await client.close()


async def test_valid_offer_whose_media_cannot_be_negotiated_is_invalid(make_service) -> None:
    service = await make_service()
    client = Client()
    try:
        offer = await client.offer()
        unknown_codecs = re.sub(r"a=rtpmap:(\d+) [^/]+/", r"a=rtpmap:\1 x-unknown/", offer)
        with pytest.raises(InvalidInput):
            await service.open(unknown_codecs, "offer")
        assert service.resources() == (0, 0, 0)
    finally:
        await client.close()


def test_config_accepts_plain_dict_ice_servers_and_rejects_bad_values() -> None:
    config = EchoConfig(
        ice_servers=[{"urls": "turn:127.0.0.1:3478", "username": "u", "credential": "c"}]
    )
    (server,) = config.rtc_configuration().iceServers
    assert server.urls == "turn:127.0.0.1:3478" and server.username == "u"
    with pytest.raises(ValueError, match="urls"):
        EchoConfig(ice_servers=[{"url": "stun:x"}])
    with pytest.raises(ValueError, match="max_sessions"):
        EchoConfig(max_sessions=0)
