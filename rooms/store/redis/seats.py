"""Seats and the call log.

A seat claim is one Lua script, so the two-party rule holds whichever process each
person's connection lands on. The script only finds out whether the seat is free, held by
the same device, or held by someone else; the decision itself is rooms.seats.claim, the
rule every backend shares, applied to what the script saw.

Each seat also records the process (`node`) holding its socket. SQLite clears every seat
when its one process starts; with several processes nobody may do that, so instead a seat
whose process stopped renewing its heartbeat key counts as empty (see RedisStore).
"""

from __future__ import annotations

import secrets
from typing import NoReturn

from rooms.calls import CallKind, CallRecord
from rooms.models import Role
from rooms.seats import SeatClaim, SeatHolder, SeatState, call_kind, claim
from rooms.store.redis.base import RedisBase, guarded, keyname, text, texts

FIELDS = ("sid", "device", "state", "since", "session", "practice", "node")

# KEYS[1] the seat; ARGV: the holder's fields, this node, takeover, the node key prefix.
CLAIM = """
local cur = redis.call('HMGET', KEYS[1], 'sid', 'device', 'state', 'since', 'session',
                      'practice', 'node')
local held = cur[1] and redis.call('EXISTS', ARGV[9] .. cur[7]) == 1
if held and cur[2] ~= ARGV[2] and ARGV[8] ~= '1' then
  return {'full', cur[1], cur[2], cur[3], cur[4], cur[5], cur[6]}
end
redis.call('HSET', KEYS[1], 'sid', ARGV[1], 'device', ARGV[2], 'state', ARGV[3],
           'since', ARGV[4], 'session', ARGV[5], 'practice', ARGV[6], 'node', ARGV[7])
"""

CLAIM_SEAT = (
    CLAIM
    + """
if held then return {'taken', cur[1], cur[2], cur[3], cur[4], cur[5], cur[6]} end
return {'free'}
"""
)

# CLAIM, then the other seat (KEYS[2]) if its process is alive, and the call opened as
# OPEN_CALL does (KEYS[3..5]) at ARGV[10] when it completes the pair. The kind is
# rooms.seats.call_kind's rule: practice when either holder practises.
JOIN_SEAT = (
    CLAIM
    + """
local previous = {}
if held then previous = {cur[1], cur[2], cur[3], cur[4], cur[5], cur[6]} end
local other = redis.call('HMGET', KEYS[2], 'sid', 'device', 'state', 'since', 'session',
                        'practice', 'node')
if not (other[1] and redis.call('EXISTS', ARGV[9] .. other[7]) == 1) then
  return {'joined', previous, {}}
end
local seated = {other[1], other[2], other[3], other[4], other[5], other[6]}
if redis.call('EXISTS', KEYS[3]) == 1 then return {'joined', previous, seated} end
local kind = 'real'
if ARGV[6] == '1' or other[6] == '1' then kind = 'practice' end
local id = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[5], id, kind .. '|' .. ARGV[10] .. '|')
redis.call('SET', KEYS[3], id)
return {'joined', previous, seated, id}
"""
)

SET_STATE = """
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
return 1
"""

RELEASE = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""

OPEN_CALL = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], id, ARGV[1] .. '|' .. ARGV[2] .. '|')
redis.call('SET', KEYS[1], id)
return id
"""

CLOSE_CALL = """
local id = redis.call('GET', KEYS[1])
if not id then return false end
local record = redis.call('HGET', KEYS[2], id) .. ARGV[1]
redis.call('HSET', KEYS[2], id, record)
redis.call('DEL', KEYS[1])
return {id, record}
"""


def seat_key(engagement_id: str, role: Role) -> str:
    return keyname("seat", engagement_id, role.value)


def node_key(node: str) -> str:
    return keyname("node", node)


def call_keys(engagement_id: str) -> list[str]:
    """The open call's id, the id sequence, the engagement's call records."""
    return [
        keyname("call-open", engagement_id),
        keyname("call-seq"),
        keyname("calls", engagement_id),
    ]


def _refuse(current: SeatHolder | None, holder: SeatHolder, takeover: bool) -> NoReturn:
    claim(current, holder, takeover=takeover)  # raises RoomFull, with its message
    raise RuntimeError("the seat script and rooms.seats.claim disagree")


def _holder(values: list[str]) -> SeatHolder:
    sid, device, state, since, session, practice = values[:6]
    return SeatHolder(sid, device, SeatState(state), float(since), session, practice == "1")


def _call(engagement_id: str, call_id: str, record: str) -> CallRecord:
    kind, started_at, ended_at = record.split("|")
    ended = float(ended_at) if ended_at else None
    return CallRecord(int(call_id), engagement_id, CallKind(kind), float(started_at), ended)


class SeatsMixin(RedisBase):
    @guarded
    async def claim_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool
    ) -> SeatHolder | None:
        outcome, *current = await self._script(
            CLAIM_SEAT, [seat_key(engagement_id, role)], self._claim_args(holder, takeover)
        )
        previous = _holder(current) if current else None
        if outcome == "full":
            _refuse(previous, holder, takeover)
        return previous

    @guarded
    async def join_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool, now: float
    ) -> SeatClaim:
        other_role = Role.CLIENT if role is Role.COACH else Role.COACH
        outcome, *found = await self._script(
            JOIN_SEAT,
            [
                seat_key(engagement_id, role),
                seat_key(engagement_id, other_role),
                *call_keys(engagement_id),
            ],
            [*self._claim_args(holder, takeover), repr(now)],
        )
        if outcome == "full":
            _refuse(_holder(found), holder, takeover)
        current, other, *opened = found
        seats = {role: holder} | ({other_role: _holder(other)} if other else {})
        call = None
        if opened:
            kind = call_kind(seats.values())
            call = CallRecord(int(opened[0]), engagement_id, kind, now, None)
        return SeatClaim(_holder(current) if current else None, seats, call)

    def _claim_args(self, holder: SeatHolder, takeover: bool) -> list[str | float | int]:
        return [
            holder.sid,
            holder.device,
            holder.state.value,
            repr(holder.since),
            holder.session,
            "1" if holder.practice else "0",
            self._node,
            "1" if takeover else "0",
            node_key(""),
        ]

    @guarded
    async def set_seat_state(
        self, engagement_id: str, role: Role, sid: str, state: SeatState
    ) -> bool:
        done = await self._script(SET_STATE, [seat_key(engagement_id, role)], [sid, state.value])
        return bool(done)

    @guarded
    async def release_seat(self, engagement_id: str, role: Role, sid: str) -> bool:
        done = await self._script(RELEASE, [seat_key(engagement_id, role)], ["sid", sid])
        return bool(done)

    @guarded
    async def seats(self, engagement_id: str) -> dict[Role, SeatHolder]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for role in Role:
                pipe.hmget(seat_key(engagement_id, role), list(FIELDS))
            rows = await pipe.execute()
        held = {role: row for role, row in zip(Role, rows, strict=True) if row[0] is not None}
        if not held:
            return {}
        alive = await self._redis.exists(*(node_key(row[6]) for row in held.values()))
        if alive == len(held):
            return {role: _holder(row) for role, row in held.items()}
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in held.values():
                pipe.exists(node_key(row[6]))
            flags = await pipe.execute()
        return {
            role: _holder(row) for (role, row), up in zip(held.items(), flags, strict=True) if up
        }

    @guarded
    async def seat_key(self) -> bytes:
        """Made by whichever process asks first; SET NX keeps the first one for all."""
        await self._redis.set(keyname("seat-key"), secrets.token_hex(32), nx=True)
        return bytes.fromhex(text(await self._redis.get(keyname("seat-key"))))

    @guarded
    async def clear_seats(self) -> None:
        """Frees the seats this process holds; other processes' seats are theirs."""
        async for name in self._redis.scan_iter(match=keyname("seat", "*"), count=500):
            await self._script(RELEASE, [name], ["node", self._node])

    @guarded
    async def open_call(self, engagement_id: str, kind: CallKind, now: float) -> CallRecord | None:
        call_id = await self._script(OPEN_CALL, call_keys(engagement_id), [kind.value, repr(now)])
        if call_id is None:
            return None
        return CallRecord(int(call_id), engagement_id, kind, now, None)

    @guarded
    async def close_call(self, engagement_id: str, now: float) -> CallRecord | None:
        found = await self._script(
            CLOSE_CALL,
            [keyname("call-open", engagement_id), keyname("calls", engagement_id)],
            [repr(now)],
        )
        return _call(engagement_id, *found) if found else None

    @guarded
    async def calls_of(self, engagement_id: str) -> list[CallRecord]:
        records = await self._redis.hgetall(keyname("calls", engagement_id))
        calls = [_call(engagement_id, i, r) for i, r in texts(records).items()]
        return sorted(calls, key=lambda c: (c.started_at, c.id))

    @guarded
    async def erase_seats(self, engagement_id: str) -> None:
        """Seats and the call log."""
        await self._redis.delete(
            *(seat_key(engagement_id, role) for role in Role),
            keyname("call-open", engagement_id),
            keyname("calls", engagement_id),
        )
