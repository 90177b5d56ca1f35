"""The Socket.IO server: observed (signaling/observed.py), refusing reserved event names.

python-socketio hands a client's EVENT packet named `connect` or `disconnect` to the
namespace exactly as it hands over the real connect and disconnect, so a client could
run the connect handler again on a live socket (rebinding its identity) or fake a
dropped seat. The difference is only visible where the packet is handled, so this is
where a packet with a reserved name is answered with the unknown-event ack
(docs/protocol.md) and dropped before any namespace sees it.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from socketio import packet

from signaling.acks import unknown_event
from signaling.observed import ObservedServer
from signaling.protocol import RESERVED_EVENTS

logger = logging.getLogger(__name__)


class SocketServer(ObservedServer):
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
        if isinstance(name, str) and name in RESERVED_EVENTS:
            logger.info("reserved event name refused", extra={"sid": sid})
            if id is not None:
                ack = self.packet_class(
                    packet.ACK, namespace=namespace, id=id, data=[unknown_event()]
                )
                await server._send_packet(eio_sid, ack)
            return
        await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)
