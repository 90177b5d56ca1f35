"""The /board namespace: live goal-board operations, catch-up, presence, private notes.

Each engagement has two Socket.IO rooms here: `board:<id>` holds both participants'
sockets; `board-coach:<id>` holds only the coach's. Board operations go to the first;
private notes only ever to the second, so a client socket is never in a room that could
carry them.

Operations are applied one at a time per engagement (a lock per engagement in this
process, compare-and-set in the store across processes) and broadcast in version order.
The sender learns its version from the ack, everyone else from `applied`; browsers apply
records strictly in version order and resync from their last version after a reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import socketio

from rooms.board.schema import item_defaults
from rooms.board_service import Boards
from rooms.clock import Clock
from rooms.errors import NotSeated, TandemError, Throttled
from rooms.models import Role
from rooms.ratelimit import TokenBucket
from signaling.acks import Ack, acked, ok
from signaling.board_schemas import BoardJoin, OpRequest, PresenceUpdate, PrivateNoteRequest
from signaling.identity import Authenticator, Identity
from signaling.protocol import BOARD_NAMESPACE, BoardEvent

logger = logging.getLogger(__name__)

OP_RATE = 20.0  # operations per second, sustained
OP_BURST = 100.0  # a quick run of edits (ticking several items)


@dataclass
class Viewer:
    identity: Identity
    bucket: TokenBucket
    joined: bool = False
    state: str = "viewing"


def board_room(engagement_id: str) -> str:
    return f"board:{engagement_id}"


def coach_room(engagement_id: str) -> str:
    return f"board-coach:{engagement_id}"


class BoardNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, authenticator: Authenticator, boards: Boards, clock: Clock) -> None:
        super().__init__(BOARD_NAMESPACE)
        self._auth = authenticator
        self._boards = boards
        self._clock = clock
        self._viewers: dict[str, Viewer] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        identity = await self._auth.admit(environ, auth)
        self._viewers[sid] = Viewer(identity, TokenBucket(OP_RATE, OP_BURST, self._clock))

    async def on_disconnect(self, sid: str, reason: str = "") -> None:
        viewer = self._viewers.pop(sid, None)
        if viewer is not None and viewer.joined:
            engagement_id = viewer.identity.engagement.id
            if not any(v.identity.engagement.id == engagement_id for v in self._viewers.values()):
                lock = self._locks.get(engagement_id)
                if lock is not None and not lock.locked():
                    del self._locks[engagement_id]
            try:
                await self._boards.drop_presence(viewer.identity.engagement, sid)
                await self._broadcast_presence(viewer.identity)
            except TandemError as error:  # the store is away; its entry expires with us
                logger.warning("board presence not updated: %s", error.code)

    @acked
    async def on_join(self, sid: str, payload: object = None) -> Ack:
        viewer = self._viewer(sid)
        if not viewer.bucket.allow():
            raise Throttled("Too many changes at once; slow down.", retry_after=1.0)
        request = BoardJoin.parse(payload)
        identity = viewer.identity
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

    @acked
    async def on_op(self, sid: str, payload: object = None) -> Ack:
        viewer = self._joined(sid)
        request = OpRequest.parse(payload)
        identity = viewer.identity
        engagement_id = identity.engagement.id
        async with self._locks.setdefault(engagement_id, asyncio.Lock()):
            applied = await self._boards.apply(
                identity.engagement, identity.role, request.op_id, request.op
            )
            record = applied.record.to_wire()
            if not applied.duplicate:
                await self.emit(
                    BoardEvent.APPLIED, record, room=board_room(engagement_id), skip_sid=sid
                )
        return ok(version=applied.record.version, record=record, duplicate=applied.duplicate)

    @acked
    async def on_presence(self, sid: str, payload: object = None) -> Ack:
        viewer = self._joined(sid)
        viewer.state = PresenceUpdate.parse(payload).state
        identity = viewer.identity
        await self._boards.set_presence(identity.engagement, sid, identity.role, viewer.state)
        await self._broadcast_presence(identity)
        return ok()

    @acked
    async def on_history(self, sid: str, payload: object = None) -> Ack:
        viewer = self._joined(sid)
        identity = viewer.identity
        records = await self._boards.history(identity.engagement, identity.role)
        return ok(entries=[record.to_wire() for record in records])

    @acked
    async def on_private_put(self, sid: str, payload: object = None) -> Ack:
        viewer = self._joined(sid)
        request = PrivateNoteRequest.parse(payload)
        identity = viewer.identity
        notes = await self._boards.put_private_note(
            identity.engagement, identity.role, request.id, request.text
        )
        return await self._private_changed(sid, identity, [note.to_wire() for note in notes])

    @acked
    async def on_private_delete(self, sid: str, payload: object = None) -> Ack:
        viewer = self._joined(sid)
        request = PrivateNoteRequest.parse(payload)
        identity = viewer.identity
        notes = await self._boards.delete_private_note(
            identity.engagement, identity.role, request.id
        )
        return await self._private_changed(sid, identity, [note.to_wire() for note in notes])

    async def _private_changed(self, sid: str, identity: Identity, notes: list[Any]) -> Ack:
        # Only the coach room: the service already refused anyone but the coach.
        await self.emit(
            BoardEvent.PRIVATE,
            {"notes": notes},
            room=coach_room(identity.engagement.id),
            skip_sid=sid,
        )
        return ok(notes=notes)

    def _viewer(self, sid: str) -> Viewer:
        viewer = self._viewers.get(sid)
        if viewer is None:
            raise NotSeated("This connection has ended. Reload the page.")
        return viewer

    def _joined(self, sid: str) -> Viewer:
        viewer = self._viewer(sid)
        if not viewer.joined:
            raise NotSeated("Open the board first.")
        if not viewer.bucket.allow():
            raise Throttled("Too many changes at once; slow down.", retry_after=1.0)
        return viewer

    async def _broadcast_presence(self, identity: Identity) -> None:
        presence = await self._boards.presence(identity.engagement)
        await self.emit(BoardEvent.PRESENCE, presence, room=board_room(identity.engagement.id))
