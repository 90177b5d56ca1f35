"""Echo without transcoding: the client's encoded frames go straight back to it.

aiortc's public path decodes every received frame and re-encodes it for sending, about
14-17 % of a core per 640x480 session here; forwarding the encoded frames costs ~2-3.5 %.
aiortc has no public hook for encoded frames, but it has the two halves:

- `RTCRtpReceiver` reassembles encoded frames (jitter buffer, NACK, PLI on loss) and hands
  them to a decoder thread through a queue;
- `RTCRtpSender` accepts `av.Packet`s from a track and only packetises them
  (`Encoder.pack`), without encoding.

So we swap the receiver's decoder queue for one that turns each reassembled frame into an
`av.Packet` on a track of our own, and forward the client's keyframe requests (PLI/FIR that
reach our sender) upstream as a PLI from our receiver, since there is no encoder of ours to
make a keyframe. These touch aiortc internals (name-mangled attributes); `attach` checks
they exist and returns None otherwise, and the service then falls back to relay mode.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import queue
import time
from typing import TYPE_CHECKING, Protocol, TypeAlias, cast

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from av.packet import Packet
from av.stream import Stream

# No stream: these packets come off the wire, not out of a container. av's stubs make
# Packet generic, but the runtime class cannot be subscripted.
if TYPE_CHECKING:
    WirePacket: TypeAlias = Packet[Stream]
else:
    WirePacket = Packet

logger = logging.getLogger(__name__)

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
# Browsers repeat PLIs while they wait; one upstream request per interval is plenty.
PLI_MIN_INTERVAL = 0.5


class _Codec(Protocol):
    mimeType: str
    clockRate: int


class _EncodedFrame(Protocol):
    data: bytes
    timestamp: int


class PassthroughTrack(MediaStreamTrack):
    """Yields `av.Packet`s, which makes the sender packetise instead of encode."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.queue: asyncio.Queue[WirePacket | None] = asyncio.Queue()

    async def recv(self) -> WirePacket:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self.queue.get()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet


class _ForwardingQueue(queue.Queue[object]):
    """Stands in for the receiver's decoder queue. `put` is called on the event loop
    thread (from the receiver's RTP handler) with `(codec, frame)`, or with None to stop
    the decoder thread, which still runs but only ever waits for that None."""

    def __init__(self, track: PassthroughTrack, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.track = track
        self.loop = loop
        # Set once the answer is known: frames of any other codec cannot be sent back.
        self.mime_type: str | None = None
        self.dropped = 0

    def put(self, item: object, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            self.loop.call_soon_threadsafe(self.track.queue.put_nowait, None)
            super().put(None, block, timeout)
            return
        codec, frame = cast(tuple[_Codec, _EncodedFrame], item)  # aiortc's (codec, JitterFrame)
        self.forward(codec, frame)

    def forward(self, codec: _Codec, frame: _EncodedFrame) -> None:
        if self.mime_type is None or codec.mimeType.lower() != self.mime_type:
            self.dropped += 1
            if self.dropped == 1:
                logger.warning("echo passthrough dropping %s frames", codec.mimeType)
            return
        packet: WirePacket = Packet(frame.data)
        packet.pts = frame.timestamp
        packet.time_base = fractions.Fraction(1, codec.clockRate)
        self.track.queue.put_nowait(packet)


class Passthrough:
    """One received track forwarded back on one sender of the same connection."""

    def __init__(self, receiver: RTCRtpReceiver, forwarding: _ForwardingQueue) -> None:
        self.receiver = receiver
        self.forwarding = forwarding
        self.track = forwarding.track
        self.tasks: set[asyncio.Task[None]] = set()
        self._last_pli = 0.0

    @classmethod
    def attach(cls, receiver: RTCRtpReceiver, kind: str) -> Passthrough | None:
        original = getattr(receiver, _DECODER_QUEUE, None)
        if not isinstance(original, queue.Queue) or not original.empty():
            logger.warning("aiortc internals changed; echo falls back to decode/re-encode")
            return None
        track = PassthroughTrack(kind)
        forwarding = _ForwardingQueue(track, asyncio.get_running_loop())
        setattr(receiver, _DECODER_QUEUE, forwarding)
        return cls(receiver, forwarding)

    def set_codec(self, mime_type: str) -> None:
        self.forwarding.mime_type = mime_type.lower()

    def forward_keyframe_requests(self, sender: RTCRtpSender) -> None:
        # The sender calls `self._send_keyframe()` on PLI/FIR; an instance attribute wins.
        sender._send_keyframe = self._request_keyframe  # type: ignore[method-assign]

    def _request_keyframe(self) -> None:
        now = time.monotonic()
        if now - self._last_pli < PLI_MIN_INTERVAL:
            return
        self._last_pli = now
        for source in self.receiver.getSynchronizationSources():
            task = asyncio.ensure_future(self.receiver._send_rtcp_pli(source.source))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
