"""The /messages namespace: the thread between coach and client, live.

Each socket joins one Socket.IO room, `messages:<engagement>`, and every emit names it, so
a message reaches only the two people of its engagement (on every process, through the
Redis manager). A sent message goes back to the sender in the ack and to every other
screen as `message`; read marks go to everyone as `receipt`.

Delivery is by seq, like the board's versions: a page keeps the messages it has by seq,
drops a seq it already has, and on a gap or a reconnect joins again with `since` set to
the last seq it holds, getting exactly what it missed. Joining enters the room before
reading, so nothing sent meanwhile falls between the two; what arrives twice is dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import socketio

from rooms.clock import Clock
from rooms.errors import InvalidInput, NotSeated, Throttled
from rooms.message_service import Messages
from rooms.ratelimit import TokenBucket
from signaling.acks import Ack, acked, ok
from signaling.identity import Authenticator, Identity
from signaling.message_schemas import SendRequest, ThreadJoin, parse_older, parse_read
from signaling.protocol import MESSAGES_NAMESPACE, MessageEvent

logger = logging.getLogger(__name__)

EVENT_RATE = 5.0  # per second, sustained
EVENT_BURST = 60.0  # a pasted list of short lines, a resend of what was queued offline
CLIENT_EVENTS = frozenset(
    {MessageEvent.JOIN, MessageEvent.SEND, MessageEvent.READ, MessageEvent.OLDER}
)


def thread_room(engagement_id: str) -> str:
    return f"messages:{engagement_id}"


@dataclass
class Reader:
    identity: Identity
    bucket: TokenBucket
    joined: bool = False

    @property
    def room(self) -> str:
        return thread_room(self.identity.engagement.id)


class MessagesNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, authenticator: Authenticator, messages: Messages, clock: Clock) -> None:
        super().__init__(MESSAGES_NAMESPACE)
        self._auth = authenticator
        self._messages = messages
        self._clock = clock
        self._readers: dict[str, Reader] = {}

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect") or event in CLIENT_EVENTS:
            return await super().trigger_event(event, *args)
        return InvalidInput("Unknown event.").to_wire()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        identity = await self._auth.admit(environ, auth)
        self._readers[sid] = Reader(identity, TokenBucket(EVENT_RATE, EVENT_BURST, self._clock))

    async def on_disconnect(self, sid: str, reason: str = "") -> None:
        self._readers.pop(sid, None)

    @acked
    async def on_join(self, sid: str, payload: object = None) -> Ack:
        reader = self._limited(sid)
        request = ThreadJoin.parse(payload)
        engagement = reader.identity.engagement
        await self.enter_room(sid, reader.room)
        reader.joined = True
        missed = None
        if request.since is not None:
            missed = await self._messages.catch_up(engagement, request.since)
        reset = missed is None
        shown = await self._messages.newest(engagement) if missed is None else missed
        state = await self._messages.state(engagement)
        return ok(
            role=reader.identity.role.value,
            reset=reset,
            messages=[message.to_wire() for message in shown],
            state=state.to_wire(),
            unread=await self._messages.unread(engagement, reader.identity.role),
        )

    @acked
    async def on_send(self, sid: str, payload: object = None) -> Ack:
        reader = self._joined(sid)
        request = SendRequest.parse(payload)
        identity = reader.identity
        sent = await self._messages.send(
            identity.engagement, identity.role, request.id, request.text
        )
        wire = sent.message.to_wire()
        if not sent.duplicate:
            await self.emit(MessageEvent.MESSAGE, {"message": wire}, room=reader.room, skip_sid=sid)
            logger.info("message sent", extra={"room": identity.engagement.id, "sid": sid})
        return ok(message=wire, duplicate=sent.duplicate)

    @acked
    async def on_read(self, sid: str, payload: object = None) -> Ack:
        reader = self._joined(sid)
        seq = parse_read(payload)
        identity = reader.identity
        before = await self._messages.state(identity.engagement)
        state = await self._messages.mark_read(identity.engagement, identity.role, seq)
        if state != before:
            await self.emit(MessageEvent.RECEIPT, {"state": state.to_wire()}, room=reader.room)
        return ok(state=state.to_wire())

    @acked
    async def on_older(self, sid: str, payload: object = None) -> Ack:
        reader = self._joined(sid)
        before = parse_older(payload)
        found = await self._messages.newest(reader.identity.engagement, before or 1)
        return ok(messages=[message.to_wire() for message in found])

    def _limited(self, sid: str) -> Reader:
        reader = self._readers.get(sid)
        if reader is None:
            raise NotSeated("This connection has ended. Reload the page.")
        if not reader.bucket.allow():
            raise Throttled("Too many messages at once; slow down.", retry_after=1.0)
        return reader

    def _joined(self, sid: str) -> Reader:
        reader = self._limited(sid)
        if not reader.joined:
            raise NotSeated("Open the messages first.")
        return reader
