"""The echo peer as a managed resource: sessions are opened with an SDP offer, capped,
time-limited, watched, and all released by `aclose()`.

A tech-check client is not yet anyone we trust, and each session holds UDP sockets,
threads and CPU on our server, so every path out of a session (client hangs up, client
vanishes, time limit, explicit close, shutdown) ends in the same teardown, and tests
count the peer connections and tasks back to zero.

Threading note: everything here runs on the event loop; aiortc's decoder threads are
owned and joined by aiortc when a peer connection closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import NamedTuple

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc import sdp as aiortc_sdp
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from rooms.errors import Busy, InvalidInput, NotFound
from signaling.echo.config import EchoConfig, EchoMode
from signaling.echo.offer import parse_offer, require_asserts
from signaling.echo.passthrough import Passthrough
from signaling.echo.stats import StatsDict, summarize

logger = logging.getLogger(__name__)

_ENDED_STATES = frozenset({"failed", "closed"})


@dataclass(frozen=True)
class EchoSession:
    """What the signalling layer sends back to the client."""

    session_id: str
    answer_sdp: str
    answer_type: str
    mode: EchoMode
    replaced: str | None = None  # the owner's session this one took over, now closed


class EchoResources(NamedTuple):
    """Live counts, for tests and health checks: all zero once everything is released."""

    sessions: int
    peer_connections: int
    tasks: int


class _Live:
    """One session's server-side state; owned by its supervisor task."""

    def __init__(
        self,
        pc: RTCPeerConnection,
        loop: asyncio.AbstractEventLoop,
        config: EchoConfig,
        owner: str,
    ):
        self.id = secrets.token_urlsafe(12)
        self.owner = owner
        self.pc = pc
        self.opened_at = loop.time()
        self.deadline = self.opened_at + config.max_session_seconds
        self.connect_deadline = self.opened_at + config.connect_timeout_seconds
        self.connected = False
        self.ended = asyncio.Event()
        self.reason = ""
        self.passthroughs: dict[str, Passthrough] = {}
        self.clock_rates: dict[str, int] = {}
        self.supervisor: asyncio.Task[None] | None = None

    @property
    def mode(self) -> EchoMode:
        # Passthrough falls back to relay per track if aiortc's internals ever change.
        return EchoMode.PASSTHROUGH if self.passthroughs else EchoMode.RELAY

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.reason = reason
            self.ended.set()


class _OwnerTurn:
    """Serialises one owner's opens; dropped when nobody is waiting on it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class EchoService:
    def __init__(self, config: EchoConfig) -> None:
        self.config = config
        self._sessions: dict[str, _Live] = {}
        self._owned: dict[str, str] = {}  # owner -> its one session (fair share)
        self._turns: dict[str, _OwnerTurn] = {}
        self._pcs: set[RTCPeerConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._opening = 0
        self._state = "new"
        self.refused = 0  # sessions refused at capacity, for /metrics

    async def start(self) -> None:
        require_asserts()
        if self._state != "new":
            raise RuntimeError("an EchoService starts once")
        self._state = "running"

    async def __aenter__(self) -> EchoService:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def resources(self) -> EchoResources:
        pli_tasks = sum(
            len(p.tasks) for live in self._sessions.values() for p in live.passthroughs.values()
        )
        return EchoResources(
            sessions=len(self._sessions),
            peer_connections=len(self._pcs),
            tasks=sum(not task.done() for task in self._tasks) + pli_tasks,
        )

    async def open(self, offer_sdp: str, offer_type: str, owner: str = "") -> EchoSession:
        """Raises InvalidInput for a bad offer, Busy at capacity (with `retry_after`).

        An `owner` (one engagement's one person) holds at most one session, counting one
        being negotiated: its opens run one at a time, and each first closes the owner's
        current session (reason "taken-over", named in `replaced`), so a second tab takes
        the check over instead of taking a second slot from everyone else."""
        if not owner:
            return await self._open(offer_sdp, offer_type, "")
        turn = self._turns.setdefault(owner, _OwnerTurn())
        turn.users += 1
        try:
            async with turn.lock:
                replaced = self._owned.get(owner)
                if replaced is not None:
                    await self.close(replaced, reason="taken-over")
                session = await self._open(offer_sdp, offer_type, owner)
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[owner]
        return dataclasses.replace(session, replaced=replaced)

    async def _open(self, offer_sdp: str, offer_type: str, owner: str) -> EchoSession:
        if self._state != "running":
            raise Busy("The echo peer is not running.", retry_after=self.config.max_session_seconds)
        parse_offer(offer_sdp, offer_type)
        self._check_capacity()
        pc = RTCPeerConnection(self.config.rtc_configuration())
        self._pcs.add(pc)
        live = _Live(pc, asyncio.get_running_loop(), self.config, owner)
        self._opening += 1
        try:
            answer_sdp = await self._negotiate(live, offer_sdp)
            if self._state != "running":
                raise Busy(
                    "The echo peer is shutting down.", retry_after=self.config.max_session_seconds
                )
        except BaseException:
            await self._close_pc(pc)
            raise
        finally:
            self._opening -= 1
        self._sessions[live.id] = live
        if owner:
            self._owned[owner] = live.id
        live.supervisor = self._spawn(self._supervise(live))
        logger.info("echo session %s opened (%s)", live.id, live.mode)
        return EchoSession(live.id, answer_sdp, "answer", live.mode)

    async def close(self, session_id: str, reason: str = "closed") -> bool:
        """Idempotent: False if the session was already gone (e.g. timed out)."""
        live = self._sessions.get(session_id)
        if live is None or live.supervisor is None:
            return False
        live.end(reason)
        # Shielded: a caller giving up must not interrupt the teardown half-way.
        await asyncio.shield(live.supervisor)
        return True

    async def stats(self, session_id: str) -> StatsDict:
        live = self._sessions.get(session_id)
        if live is None:
            raise NotFound("This echo session has ended.")
        now = asyncio.get_running_loop().time()
        summary = summarize(await live.pc.getStats(), live.clock_rates)
        summary.update(
            session_id=live.id,
            mode=str(live.mode),
            connection_state=live.pc.connectionState,
            age_seconds=round(now - live.opened_at, 1),
            seconds_left=round(max(0.0, live.deadline - now), 1),
        )
        return summary

    async def aclose(self) -> None:
        if self._state == "closed":
            return
        self._state = "closed"
        for live in list(self._sessions.values()):
            live.end("shutdown")
        if self._tasks:
            _, pending = await asyncio.wait(
                set(self._tasks), timeout=self.config.close_timeout_seconds
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        # Connections still negotiating in open(): closing them makes open() fail as Busy.
        await asyncio.gather(*(self._close_pc(pc) for pc in list(self._pcs)))

    def _check_capacity(self) -> None:
        if len(self._sessions) + self._opening < self.config.max_sessions:
            return
        loop = asyncio.get_running_loop()
        soonest = min((live.deadline for live in self._sessions.values()), default=None)
        wait = self.config.connect_timeout_seconds if soonest is None else soonest - loop.time()
        retry_after = min(max(1.0, wait), self.config.max_session_seconds)
        self.refused += 1
        logger.warning("echo at capacity (%d sessions)", self.config.max_sessions)
        raise Busy("All echo peers are busy; please try again shortly.", retry_after=retry_after)

    async def _negotiate(self, live: _Live, offer_sdp: str) -> str:
        pc = live.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._echo(live, track)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected":
                live.connected = True
            elif pc.connectionState in _ENDED_STATES:
                live.end(f"connection-{pc.connectionState}")

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            answer = await pc.createAnswer()
        except Exception as exc:  # aiortc signals bad SDP with any exception
            logger.info("echo offer rejected by aiortc: %s", type(exc).__name__)
            raise InvalidInput("The offer cannot be used for a connection.", field="sdp") from None
        await pc.setLocalDescription(answer)
        local = pc.localDescription
        self._configure_codecs(live, aiortc_sdp.SessionDescription.parse(local.sdp))
        return str(local.sdp)

    def _echo(self, live: _Live, track: MediaStreamTrack) -> None:
        transceiver = _transceiver_of(live.pc, track)
        if transceiver is None or transceiver.mid is None:
            logger.warning("echo session %s: track without transceiver", live.id)
            return
        passthrough = None
        if self.config.mode is EchoMode.PASSTHROUGH:
            passthrough = Passthrough.attach(transceiver.receiver, track.kind)
        if passthrough is not None:
            live.passthroughs[transceiver.mid] = passthrough
            passthrough.forward_keyframe_requests(transceiver.sender)
            transceiver.sender.replaceTrack(passthrough.track)
        else:
            # Relay: the sender pulls decoded frames from the remote track and re-encodes.
            transceiver.sender.replaceTrack(track)
        # Send on the very transceiver we receive on, so each m-line echoes itself.
        transceiver.direction = "sendrecv"

    def _configure_codecs(self, live: _Live, answer: aiortc_sdp.SessionDescription) -> None:
        for media in answer.media:
            codecs: list[RTCRtpCodecParameters] = [
                codec for codec in media.rtp.codecs if codec.mimeType.lower().split("/")[1] != "rtx"
            ]
            if not codecs:
                continue
            # aiortc sends with the first codec of the answer, so only that one can go back.
            live.clock_rates.setdefault(media.kind, codecs[0].clockRate)
            passthrough = live.passthroughs.get(str(media.rtp.muxId))
            if passthrough is not None:
                passthrough.set_codec(codecs[0].mimeType)

    async def _supervise(self, live: _Live) -> None:
        try:
            await self._watch(live)
        finally:
            for passthrough in live.passthroughs.values():
                for task in list(passthrough.tasks):
                    task.cancel()
            await self._close_pc(live.pc)
            self._sessions.pop(live.id, None)
            if live.owner and self._owned.get(live.owner) == live.id:
                del self._owned[live.owner]
            logger.info("echo session %s ended: %s", live.id, live.reason or "cancelled")

    async def _watch(self, live: _Live) -> None:
        loop = asyncio.get_running_loop()
        idle = self.config.idle_timeout_seconds
        last_bytes, last_change = -1, loop.time()
        while not live.ended.is_set():
            now = loop.time()
            if now >= live.deadline:
                live.end("time-limit")
            elif not live.connected and now >= live.connect_deadline:
                live.end("connect-timeout")
            elif live.connected:
                received = await _bytes_received(live.pc)
                if received != last_bytes:
                    last_bytes, last_change = received, now
                elif now - last_change >= idle:
                    live.end("idle")
            wake = min(live.deadline, now + min(1.0, idle / 2))
            if not live.connected:
                wake = min(wake, live.connect_deadline)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(wake):
                    await live.ended.wait()

    async def _close_pc(self, pc: RTCPeerConnection) -> None:
        try:
            await pc.close()
        except Exception:
            logger.exception("echo peer connection failed to close cleanly")
        finally:
            self._pcs.discard(pc)

    def _spawn(self, coro: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _transceiver_of(pc: RTCPeerConnection, track: MediaStreamTrack) -> RTCRtpTransceiver | None:
    return next((t for t in pc.getTransceivers() if t.receiver.track is track), None)


async def _bytes_received(pc: RTCPeerConnection) -> int:
    transport = summarize(await pc.getStats(), {})["transport"]
    assert isinstance(transport, dict)
    return int(transport.get("bytes_received", 0))
