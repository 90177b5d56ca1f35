"""The /board namespace: live goal-board operations, catch-up, presence, private notes.

Each engagement has two Socket.IO rooms here: `board:<id>` holds both participants'
sockets; `board-coach:<id>` holds only the coach's. Board operations go to the first;
private notes only ever to the second, so a client socket is never in a room that could
carry them.

Operations are applied one at a time per engagement (the service's lock per engagement in
this process, compare-and-set in the store across processes) and broadcast once committed,
in commit order as a rule; a screen that gets a record early keeps it until the gap is
filled.
The sender learns its version from the ack, everyone else from `applied`; browsers apply
records strictly in version order and resync from their last version after a reconnect.
Past this process's bounded backlog an op is answered `try-again` at once (the service's
admission, rooms/board_backlog.py), so none waits for seconds under overload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rooms.board.schema import item_defaults
from rooms.board_service import Boards
from rooms.clock import Clock
from rooms.models import Role
from signaling.acks import Ack, ok
from signaling.base import Namespace, Peer, Rate
from signaling.board_schemas import BoardJoin, OpRequest, PresenceUpdate, PrivateNoteRequest
from signaling.identity import Authenticator, Identity
from signaling.protocol import BOARD_NAMESPACE, BoardEvent

logger = logging.getLogger(__name__)

# 20 operations per second sustained; a quick run of edits (ticking several items).
RATE = Rate(20.0, 100.0, "Too many changes at once; slow down.")


@dataclass(slots=True)
class Viewer(Peer):
    state: str = "viewing"


def board_room(engagement_id: str) -> str:
    return f"board:{engagement_id}"


def coach_room(engagement_id: str) -> str:
    return f"board-coach:{engagement_id}"


class BoardNamespace(Namespace[Viewer]):
    requires_join = frozenset(
        {
            BoardEvent.OP,
            BoardEvent.PRESENCE,
            BoardEvent.HISTORY,
            BoardEvent.PRIVATE_PUT,
            BoardEvent.PRIVATE_DELETE,
        }
    )
    not_joined = "Open the board first."

    def __init__(self, authenticator: Authenticator, boards: Boards, clock: Clock) -> None:
        super().__init__(BOARD_NAMESPACE, BoardEvent, Viewer, authenticator, clock, RATE)
        self._boards = boards

    async def disconnected(self, viewer: Viewer, reason: str) -> None:
        if not viewer.joined:
            return
        await self._boards.drop_presence(viewer.identity.engagement, viewer.sid)
        await self._broadcast_presence(viewer.identity)

    async def on_join(self, viewer: Viewer, payload: object) -> Ack:
        request = BoardJoin.parse(payload)
        sid, identity = viewer.sid, viewer.identity
        engagement = identity.engagement
        # Enter the room before reading: an op applied meanwhile is then both broadcast to
        # this socket and possibly in what it reads; browsers drop versions they have.
        await self.enter_room(sid, board_room(engagement.id))
        if identity.role is Role.COACH:
            await self.enter_room(sid, coach_room(engagement.id))
        viewer.joined = True
        await self._boards.touch(engagement, identity.role)
        answer: dict[str, Any] = {"role": identity.role.value, "defaults": item_defaults()}
        records = await self._boards.catch_up(engagement, request.since)
        if records is not None:
            answer["ops"] = [record.to_wire() for record in records]
            answer["version"] = records[-1].version if records else request.since
        else:
            snapshot = await self._boards.snapshot(engagement)
            answer["snapshot"], answer["version"] = snapshot.state, snapshot.version
        if identity.role is Role.COACH:
            notes = await self._boards.private_notes(engagement, identity.role)
            answer["private"] = [note.to_wire() for note in notes]
        await self._boards.set_presence(engagement, sid, identity.role, viewer.state)
        answer["presence"] = await self._boards.presence(engagement)
        await self.emit(
            BoardEvent.PRESENCE, answer["presence"], room=board_room(engagement.id), skip_sid=sid
        )
        return ok(**answer)

    async def on_op(self, viewer: Viewer, payload: object) -> Ack:
        request = OpRequest.parse(payload)
        identity = viewer.identity
        engagement_id = identity.engagement.id
        with self._boards.admission() as ticket:
            applied = await self._boards.apply(
                identity.engagement, identity.role, request.op_id, request.op, ticket
            )
        record = applied.record.to_wire()
        if not applied.duplicate:
            await self.emit(
                BoardEvent.APPLIED, record, room=board_room(engagement_id), skip_sid=viewer.sid
            )
        return ok(version=applied.record.version, record=record, duplicate=applied.duplicate)

    async def on_presence(self, viewer: Viewer, payload: object) -> Ack:
        viewer.state = PresenceUpdate.parse(payload).state
        identity = viewer.identity
        await self._boards.set_presence(
            identity.engagement, viewer.sid, identity.role, viewer.state
        )
        await self._broadcast_presence(identity)
        return ok()

    async def on_history(self, viewer: Viewer, payload: object) -> Ack:
        identity = viewer.identity
        records = await self._boards.history(identity.engagement, identity.role)
        return ok(entries=[record.to_wire() for record in records])

    async def on_private_put(self, viewer: Viewer, payload: object) -> Ack:
        request = PrivateNoteRequest.parse(payload)
        identity = viewer.identity
        notes = await self._boards.put_private_note(
            identity.engagement, identity.role, request.id, request.text
        )
        return await self._private_changed(viewer.sid, identity, [note.to_wire() for note in notes])

    async def on_private_delete(self, viewer: Viewer, payload: object) -> Ack:
        request = PrivateNoteRequest.parse(payload)
        identity = viewer.identity
        notes = await self._boards.delete_private_note(
            identity.engagement, identity.role, request.id
        )
        return await self._private_changed(viewer.sid, identity, [note.to_wire() for note in notes])

    async def _private_changed(self, sid: str, identity: Identity, notes: list[Any]) -> Ack:
        # Only the coach room: the service already refused anyone but the coach.
        await self.emit(
            BoardEvent.PRIVATE,
            {"notes": notes},
            room=coach_room(identity.engagement.id),
            skip_sid=sid,
        )
        return ok(notes=notes)

    async def _broadcast_presence(self, identity: Identity) -> None:
        presence = await self._boards.presence(identity.engagement)
        await self.emit(BoardEvent.PRESENCE, presence, room=board_room(identity.engagement.id))
