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

from rooms.clock import Clock
from rooms.message_service import Messages
from signaling.acks import Ack, ok
from signaling.base import Namespace, Peer, Rate
from signaling.identity import Authenticator
from signaling.message_schemas import SendRequest, ThreadJoin, parse_older, parse_read
from signaling.protocol import MESSAGES_NAMESPACE, MessageEvent

logger = logging.getLogger(__name__)

# 5 per second sustained; a pasted list of short lines, a resend of what was queued offline.
RATE = Rate(5.0, 60.0, "Too many messages at once; slow down.")


def thread_room(engagement_id: str) -> str:
    return f"messages:{engagement_id}"


@dataclass(slots=True)
class Reader(Peer):
    @property
    def room(self) -> str:
        return thread_room(self.identity.engagement.id)


class MessagesNamespace(Namespace[Reader]):
    requires_join = frozenset({MessageEvent.SEND, MessageEvent.READ, MessageEvent.OLDER})
    not_joined = "Open the messages first."

    def __init__(self, authenticator: Authenticator, messages: Messages, clock: Clock) -> None:
        super().__init__(MESSAGES_NAMESPACE, MessageEvent, Reader, authenticator, clock, RATE)
        self._messages = messages

    async def on_join(self, reader: Reader, payload: object) -> Ack:
        request = ThreadJoin.parse(payload)
        engagement = reader.identity.engagement
        await self.enter_room(reader.sid, reader.room)
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

    async def on_send(self, reader: Reader, payload: object) -> Ack:
        request = SendRequest.parse(payload)
        identity = reader.identity
        sent = await self._messages.send(
            identity.engagement, identity.role, request.id, request.text
        )
        wire = sent.message.to_wire()
        if not sent.duplicate:
            await self.emit(
                MessageEvent.MESSAGE, {"message": wire}, room=reader.room, skip_sid=reader.sid
            )
            logger.info("message sent", extra={"room": identity.engagement.id, "sid": reader.sid})
        return ok(message=wire, duplicate=sent.duplicate)

    async def on_read(self, reader: Reader, payload: object) -> Ack:
        seq = parse_read(payload)
        identity = reader.identity
        before = await self._messages.state(identity.engagement)
        state = await self._messages.mark_read(identity.engagement, identity.role, seq)
        if state != before:
            await self.emit(MessageEvent.RECEIPT, {"state": state.to_wire()}, room=reader.room)
        return ok(state=state.to_wire())

    async def on_older(self, reader: Reader, payload: object) -> Ack:
        before = parse_older(payload)
        found = await self._messages.newest(reader.identity.engagement, before or 1)
        return ok(messages=[message.to_wire() for message in found])
