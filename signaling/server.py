"""The Socket.IO server: observed (signaling/observed.py), refusing what no namespace should see.

python-socketio hands a client's EVENT packet named `connect` or `disconnect` to the
namespace exactly as it hands over the real connect and disconnect, so a client could
run the connect handler again on a live socket (rebinding its identity) or fake a
dropped seat. It also raises (and engine.io logs a traceback) for a packet it cannot
decode: JSON nested deeper than the decoder allows, an event that is not a non-empty
list, a binary placeholder with no attachment behind it. All of that is only visible
where the packet is handled, so this is where such a packet is answered `invalid`
(docs/protocol.md, "Acks and errors") when it carries an ack id, and dropped before any
namespace sees it. The log line for it is rate-limited per socket (signaling/quiet.py).

Events a namespace lists in its `inline` set (relays that touch no store) are handled in
the socket's read loop instead of a task of their own.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import engineio
import socketio
from socketio import packet

from rooms.errors import InvalidInput
from signaling.acks import Ack, unknown_event
from signaling.observed import ObservedServer
from signaling.packet_queue import PacketQueue
from signaling.protocol import RESERVED_EVENTS
from signaling.quiet import QuietLog

logger = logging.getLogger(__name__)

# `<type>[<attachments>-][<namespace>,][<id>]<json>`: enough to answer a packet whose JSON
# could not be decoded.
_HEADER = re.compile(r"^(?P<type>[0-6])(?:\d+-)?(?:(?P<ns>/[^,]*),)?(?P<id>\d+)?")
_EVENTS = (packet.EVENT, packet.BINARY_EVENT)


def unreadable() -> Ack:
    """For a packet whose payload could not be decoded at all (too deep, not a list)."""
    return InvalidInput("This message could not be read.", field="payload").to_wire()


class EngineServer(engineio.AsyncServer):  # type: ignore[misc]
    """Engine.IO with a lighter per-connection packet queue (signaling/packet_queue.py)."""

    def create_queue(self, *args: Any, **kwargs: Any) -> PacketQueue:
        return PacketQueue()


class SocketServer(ObservedServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quiet = QuietLog(logger)

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return EngineServer

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError, AttributeError):
            pending = self._binary_packet.pop(eio_sid, None)
            self.quiet.note(eio_sid, "unreadable packet dropped")
            if pending is not None:  # its attachments did not match its placeholders
                await self._answer_unreadable(eio_sid, pending.namespace, pending.id)
            elif isinstance(data, str) and (header := _HEADER.match(data)) is not None:
                answerable = header["id"] is not None and int(header["type"]) in _EVENTS
                if answerable:
                    await self._answer_unreadable(eio_sid, header["ns"], int(header["id"]))

    async def _answer_unreadable(self, eio_sid: str, namespace: str | None, id: int | None) -> None:
        namespace = namespace or "/"
        if id is None:
            return
        if self.manager.sid_from_eio_sid(eio_sid, namespace) is None:
            return
        ack = self.packet_class(packet.ACK, namespace=namespace, id=id, data=[unreadable()])
        await self._send_packet(eio_sid, ack)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any = None) -> None:
        self.quiet.forget(eio_sid)
        await super()._handle_eio_disconnect(eio_sid, reason)

    async def _handle_event(
        self, eio_sid: str, namespace: str | None, id: int | None, data: Any
    ) -> None:
        if not isinstance(data, list) or not data:
            raise ValueError("an event is a non-empty list")
        namespace = namespace or "/"
        handler = self.namespace_handlers.get(namespace)
        inline: frozenset[str] = getattr(handler, "inline", frozenset())
        if not isinstance(data[0], str) or data[0] not in inline:
            await super()._handle_event(eio_sid, namespace, id, data)
            return
        # A relay that awaits no store runs in the socket's own read loop: no task per
        # event, and its messages keep their order (upstream's async_handlers=False, but
        # only for the events a namespace lists in `inline`).
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if self.manager.is_connected(sid, namespace):
            await self._handle_event_internal(self, sid, eio_sid, data, namespace, id)

    async def _handle_event_internal(
        self,
        server: socketio.AsyncServer,
        sid: str,
        eio_sid: str,
        data: list[Any],
        namespace: str,
        id: int | None,
    ) -> None:
        name = data[0] if data else None
        if not isinstance(name, str) or name in RESERVED_EVENTS:
            self.quiet.note(eio_sid, "reserved or non-string event name refused")
            if id is not None:
                ack = self.packet_class(
                    packet.ACK, namespace=namespace, id=id, data=[unknown_event()]
                )
                await server._send_packet(eio_sid, ack)
            return
        await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)
