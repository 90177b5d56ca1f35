"""Delivering one emit to the sockets of this process, without a task per recipient.

python-socketio's manager encodes an emit once and then starts one asyncio task per
recipient and waits for them all. A relayed signal has one recipient, and sending to a
socket only puts the packet on that socket's queue, so the tasks cost more than the
sends. `DirectEmit` sends in turn instead, and encodes nothing when nobody here is in the
room (with Redis every process hears every emit and most have no one to give it to).

It sits just above `socketio.AsyncManager` in the class order, so the Redis manager
(signaling/pubsub.py) delivers its own and other processes' emits through it too.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from engineio import packet as eio_packet
from engineio.exceptions import EngineIOError
from socketio import packet

logger = logging.getLogger(__name__)


class DirectEmit(socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:  # each recipient needs its own ack id: upstream's way
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to
            )
            return
        if namespace not in self.rooms:
            return
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        recipients = [
            eio_sid
            for sid, eio_sid in self.get_participants(namespace, to or room)
            if sid not in skip
        ]
        if not recipients:
            return
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self._text_event(namespace, [event, *args])
        if encoded is None:
            encoded = self.server.packet_class(
                packet.EVENT, namespace=namespace, data=[event, *args]
            ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for eio_sid in recipients:
            try:
                for frame in frames:
                    await self.server._send_eio_packet(eio_sid, frame)
            except EngineIOError as error:  # one closed socket must not cost the others
                logger.debug("emit to a closing socket dropped: %r", error)

    def _text_event(self, namespace: str, data: list[Any]) -> str | None:
        """The EVENT packet as upstream's `Packet.encode` writes it, without first walking
        the whole payload for bytes (`Packet.data_is_binary`, most of the cost of building a
        packet for a signal): the JSON encoder refuses bytes anyway, and such an emit is left
        to upstream's encoder, which sends its bytes as attachments."""
        codec = self.server.packet_class
        if codec is not packet.Packet:  # e.g. msgpack: not text at all
            return None
        try:
            body: str = codec.json.dumps(data, separators=(",", ":"))
        except TypeError:  # bytes somewhere: a binary event
            return None
        return ("2" if namespace == "/" else f"2{namespace},") + body


class LocalManager(DirectEmit):
    """The manager of a single process (no Redis)."""
