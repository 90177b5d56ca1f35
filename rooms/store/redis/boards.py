"""Goal boards: snapshot hash, operation log, activity, and the separate private notes.

Keys per engagement (all under `tandem:`):
- `board:<id>`: hash of `version` and `state` (the JSON snapshot);
- `board-ops:<id>`: list of JSON records, record N at index N-1 (versions start at 1 and
  grow by one, so a range of versions is one LRANGE);
- `board-opids:<id>`: hash op id -> version, the idempotency index;
- `board-turn:<id>`: the contender that lost a commit and holds the next turn (PX 0.5 s);
- `board-activity:<id>`: hash role -> last time;
- `board-presence:<id>`: hash socket id -> JSON (role, state, node); an entry counts only
  while its process's heartbeat key (`node:<node>`) lives;
- `private-notes:<id>` and `private-notes-created:<id>`: hashes note id -> JSON
  (text, updated_at) and note id -> created_at. No board command reads them.

`board_apply` is one Lua script (APPLY), one round trip: the closed check, the op-id
check, the version compare, the log append, the snapshot replace and the role's activity
happen together or not at all, which is what the SQLite
backend's IMMEDIATE transaction gives. The method returns only after Redis accepted the
script, so an acknowledged edit is in Redis (and in its append-only file within
`appendfsync`'s window, docs/deploy.md), and with REDIS_WAIT_REPLICAS on the replicas too
(`_script_replicated`), so a failover to a replica loses no acknowledged edit.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from rooms.board.records import BoardCommit, BoardRecord, BoardSnapshot, PrivateNote
from rooms.errors import NotFound
from rooms.models import Role
from rooms.store.protocol import BOARD_TURN_SECONDS
from rooms.store.redis.base import RedisBase, guarded, keyname, text, texts
from rooms.store.redis.engagements import engagement_key
from rooms.store.redis.lifecycle import closed_key
from rooms.store.redis.seats import node_key

# KEYS: engagement, board, ops, opids, turn, closed, activity. ARGV: expected version, new
# version, op id, record JSON, state JSON, contender, turn ms, role, time. Returns {-1}
# unknown engagement, {-2} program closed, {0} lost the race (or another contender has
# the turn), {1, version} duplicate op id, {2, version} applied. A contender that loses
# claims the next turn (docs/board.md). An applied record is also its role's activity.
APPLY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
if redis.call('EXISTS', KEYS[6]) == 1 then return {-2} end
local seen = redis.call('HGET', KEYS[4], ARGV[3])
if seen then
  -- Rewritten so this connection's WAIT also covers the first write of this op id.
  redis.call('HSET', KEYS[4], ARGV[3], seen)
  return {1, tonumber(seen)}
end
local turn = redis.call('GET', KEYS[5])
if turn and turn ~= ARGV[6] then return {0} end
local stored = redis.call('HGET', KEYS[2], 'version') or '0'
if stored ~= ARGV[1] then
  if ARGV[6] ~= '' and not turn then redis.call('SET', KEYS[5], ARGV[6], 'PX', ARGV[7]) end
  return {0}
end
redis.call('HSET', KEYS[2], 'version', ARGV[2], 'state', ARGV[5])
redis.call('RPUSH', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[2])
if turn then redis.call('DEL', KEYS[5]) end
local active = redis.call('HGET', KEYS[7], ARGV[8])
if not active or tonumber(active) < tonumber(ARGV[9]) then
  redis.call('HSET', KEYS[7], ARGV[8], ARGV[9])
end
return {2, tonumber(ARGV[2])}
"""

# Keeps the latest time, as SQLite's `max(at, excluded.at)`; the string is stored as sent
# so the float round-trips exactly.
TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[2], ARGV[1])
if not current or tonumber(current) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return 1
"""

# A replaced note keeps its first created_at (HSETNX), as SQLite's upsert does.
PUT_NOTE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""

DELETE_NOTE = """
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
"""


def _board_key(engagement_id: str) -> str:
    return keyname("board", engagement_id)


def _ops_key(engagement_id: str) -> str:
    return keyname("board-ops", engagement_id)


def _notes_keys(engagement_id: str) -> tuple[str, str]:
    return keyname("private-notes", engagement_id), keyname("private-notes-created", engagement_id)


def _record(raw: object) -> BoardRecord:
    data = json.loads(text(raw))
    return BoardRecord(
        int(data["version"]), data["op_id"], Role(data["role"]), float(data["at"]), data["op"]
    )


def _found(outcome: int) -> int:
    if outcome == -1:
        raise NotFound("No such engagement.")
    return outcome


class BoardsMixin(RedisBase):
    board_commits_in_order = False  # scripts go out on several pooled connections

    @guarded
    async def board_snapshot(self, engagement_id: str) -> BoardSnapshot | None:
        fields = texts(await self._redis.hgetall(_board_key(engagement_id)))
        if not fields:
            return None
        return BoardSnapshot(int(fields["version"]), json.loads(fields["state"]))

    @guarded
    async def board_apply(
        self,
        engagement_id: str,
        expected_version: int,
        record: BoardRecord,
        state: dict[str, Any],
        contender: str = "",
    ) -> BoardCommit | None:
        if record.version != expected_version + 1:
            raise ValueError("a board record must be exactly one version newer")
        outcome = await self._script_replicated(
            APPLY,
            [
                engagement_key(engagement_id),
                _board_key(engagement_id),
                _ops_key(engagement_id),
                keyname("board-opids", engagement_id),
                keyname("board-turn", engagement_id),
                closed_key(engagement_id),
                keyname("board-activity", engagement_id),
            ],
            [
                str(expected_version),
                str(record.version),
                record.op_id,
                orjson.dumps(record.to_wire()).decode(),
                orjson.dumps(state).decode(),
                contender,
                str(int(BOARD_TURN_SECONDS * 1000)),
                record.role.value,
                repr(record.at),
            ],
        )
        kind = _found(int(outcome[0]))
        if kind == -2:
            return BoardCommit(0, duplicate=False, closed=True)
        if kind == 0:
            return None
        return BoardCommit(int(outcome[1]), duplicate=kind == 1)

    @guarded
    async def board_op(self, engagement_id: str, op_id: str) -> BoardRecord | None:
        version = await self._redis.hget(keyname("board-opids", engagement_id), op_id)
        if version is None:
            return None
        raw = await self._redis.lindex(_ops_key(engagement_id), int(version) - 1)
        return _record(raw) if raw is not None else None

    @guarded
    async def board_ops_since(
        self, engagement_id: str, version: int, limit: int
    ) -> list[BoardRecord] | None:
        stored = await self._redis.hget(_board_key(engagement_id), "version")
        current = int(stored) if stored is not None else 0
        if not 0 <= version <= current or current - version > limit:
            return None
        if version == current:
            return []
        # The log only grows, so indexes up to `current` are fixed whatever lands meanwhile.
        raws = await self._redis.lrange(_ops_key(engagement_id), version, current - 1)
        return [_record(raw) for raw in raws]

    @guarded
    async def board_history(self, engagement_id: str, limit: int) -> list[BoardRecord]:
        if limit <= 0:
            return []
        raws = await self._redis.lrange(_ops_key(engagement_id), -limit, -1)
        return [_record(raw) for raw in reversed(raws)]

    @guarded
    async def board_touch(self, engagement_id: str, role: Role, now: float) -> None:
        outcome = await self._script(
            TOUCH,
            [engagement_key(engagement_id), keyname("board-activity", engagement_id)],
            [role.value, repr(now)],
        )
        _found(int(outcome))

    @guarded
    async def board_activity(self, engagement_id: str) -> dict[Role, float]:
        fields = texts(await self._redis.hgetall(keyname("board-activity", engagement_id)))
        return {Role(role): float(at) for role, at in fields.items()}

    @guarded
    async def board_presence_set(
        self, engagement_id: str, sid: str, role: Role, state: str
    ) -> None:
        entry = json.dumps({"role": role.value, "state": state, "node": self._node})
        await self._redis.hset(keyname("board-presence", engagement_id), sid, entry)

    @guarded
    async def board_presence_drop(self, engagement_id: str, sid: str) -> None:
        await self._redis.hdel(keyname("board-presence", engagement_id), sid)

    @guarded
    async def board_presence(self, engagement_id: str) -> list[tuple[Role, str]]:
        key = keyname("board-presence", engagement_id)
        entries = {
            sid: json.loads(raw) for sid, raw in texts(await self._redis.hgetall(key)).items()
        }
        nodes = sorted({entry["node"] for entry in entries.values()})
        alive = {node for node in nodes if await self._redis.exists(node_key(node))}
        dead = [sid for sid, entry in entries.items() if entry["node"] not in alive]
        if dead:  # a process that died cannot say goodbye for its sockets
            await self._redis.hdel(key, *dead)
        return [
            (Role(entry["role"]), entry["state"])
            for entry in entries.values()
            if entry["node"] in alive
        ]

    @guarded
    async def private_notes(self, engagement_id: str) -> list[PrivateNote]:
        notes_key, created_key = _notes_keys(engagement_id)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.hgetall(notes_key)
            tx.hgetall(created_key)
            notes, created = await tx.execute()
        first_saved = texts(created)
        result = []
        for note_id, raw in texts(notes).items():
            data = json.loads(raw)
            created_at = float(first_saved.get(note_id, data["updated_at"]))
            result.append(PrivateNote(note_id, data["text"], created_at, data["updated_at"]))
        return sorted(result, key=lambda note: (note.created_at, note.id))

    @guarded
    async def private_note_put(self, engagement_id: str, note: PrivateNote) -> None:
        notes_key, created_key = _notes_keys(engagement_id)
        outcome = await self._script(
            PUT_NOTE,
            [engagement_key(engagement_id), notes_key, created_key],
            [
                note.id,
                json.dumps({"text": note.text, "updated_at": note.updated_at}, ensure_ascii=False),
                repr(note.created_at),
            ],
        )
        _found(int(outcome))

    @guarded
    async def private_note_delete(self, engagement_id: str, note_id: str) -> bool:
        outcome = await self._script(DELETE_NOTE, list(_notes_keys(engagement_id)), [note_id])
        return int(outcome) == 1

    @guarded
    async def erase_boards(self, engagement_id: str) -> None:
        """The board, its history, a claimed turn, activity, presence and the coach's
        private notes."""
        await self._redis.delete(
            _board_key(engagement_id),
            _ops_key(engagement_id),
            keyname("board-opids", engagement_id),
            keyname("board-turn", engagement_id),
            keyname("board-activity", engagement_id),
            keyname("board-presence", engagement_id),
            *_notes_keys(engagement_id),
        )
