"""Session timers and agendas, one of each per engagement.

The timer is a hash of `version` and its JSON record; `timer_put` is a compare-and-set in
one Lua script, so of two processes acting on the same button press only one wins. Both
writes refuse an engagement that does not exist, as the SQLite foreign key does.
"""

from __future__ import annotations

import json

from rooms.errors import NotFound
from rooms.store.redis.base import RedisBase, guarded, keyname
from rooms.store.redis.engagements import engagement_key
from rooms.timer import Agenda, AgendaItem, TimerState, from_record, to_record

PUT_TIMER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local stored = redis.call('HGET', KEYS[2], 'version')
if (stored or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'version', ARGV[2], 'state', ARGV[3])
return 1
"""

PUT_AGENDA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('SET', KEYS[2], ARGV[1])
return 1
"""


def _found(outcome: int) -> int:
    if outcome == -1:
        raise NotFound("No such engagement.")
    return outcome


class TimersMixin(RedisBase):
    @guarded
    async def timer_get(self, engagement_id: str) -> TimerState | None:
        state = await self._redis.hget(keyname("timer", engagement_id), "state")
        return from_record(json.loads(state)) if state else None

    @guarded
    async def timer_put(self, engagement_id: str, state: TimerState, expected_version: int) -> bool:
        if state.version != expected_version + 1:
            raise ValueError("a stored timer state must be exactly one version newer")
        outcome = await self._script(
            PUT_TIMER,
            [engagement_key(engagement_id), keyname("timer", engagement_id)],
            [str(expected_version), str(state.version), json.dumps(to_record(state))],
        )
        return _found(int(outcome)) == 1

    @guarded
    async def agenda_get(self, engagement_id: str) -> Agenda | None:
        items = await self._redis.get(keyname("agenda", engagement_id))
        if items is None:
            return None
        return Agenda(tuple(AgendaItem(i["name"], i["minutes"]) for i in json.loads(items)))

    @guarded
    async def agenda_put(self, engagement_id: str, agenda: Agenda) -> None:
        outcome = await self._script(
            PUT_AGENDA,
            [engagement_key(engagement_id), keyname("agenda", engagement_id)],
            [json.dumps(agenda.to_wire())],
        )
        _found(int(outcome))

    @guarded
    async def erase_timers(self, engagement_id: str) -> None:
        await self._redis.delete(keyname("timer", engagement_id), keyname("agenda", engagement_id))
