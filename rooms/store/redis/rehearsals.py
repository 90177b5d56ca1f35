"""Room rehearsals: one hash per engagement, rehearsal id -> JSON record.

RECORD merges a report into its rehearsal (union of the steps, first start kept) and
prunes to REHEARSALS_KEPT in one script, so reports handled by two processes at once
cannot lose a step, and an unknown engagement is refused as the SQLite foreign key does.
Times travel as the strings Python wrote, so they come back exactly (Lua's cjson would
round numbers to 14 digits). One key per engagement: erasing it leaves nothing behind.
"""

from __future__ import annotations

import json

from rooms.errors import NotFound
from rooms.rehearsal import REHEARSALS_KEPT, Rehearsal, RehearsalReport, RehearsalStep, ordered
from rooms.store.redis.base import RedisBase, guarded, keyname, text
from rooms.store.redis.engagements import engagement_key

RECORD = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local function union(a, b)
  local seen, out = {}, {}
  for step in string.gmatch(a .. ',' .. b, '[^,]+') do
    if not seen[step] then seen[step] = true; out[#out + 1] = step end
  end
  return table.concat(out, ',')
end
local raw = redis.call('HGET', KEYS[2], ARGV[1])
local record
if raw then
  record = cjson.decode(raw)
else
  record = {started_at = ARGV[2], offered = '', done = ''}
end
record.updated_at = ARGV[2]
record.offered = union(record.offered, ARGV[3])
record.done = union(record.done, ARGV[4])
local encoded = cjson.encode(record)
redis.call('HSET', KEYS[2], ARGV[1], encoded)
while redis.call('HLEN', KEYS[2]) > tonumber(ARGV[5]) do
  local oldest, oldest_at
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    local at = tonumber(cjson.decode(all[i + 1]).started_at)
    if oldest_at == nil or at < oldest_at then oldest, oldest_at = all[i], at end
  end
  redis.call('HDEL', KEYS[2], oldest)
end
return encoded
"""


def _key(engagement_id: str) -> str:
    return keyname("rehearsals", engagement_id)


def _steps(value: str) -> frozenset[RehearsalStep]:
    return frozenset(RehearsalStep(step) for step in value.split(",") if step)


def _rehearsal(engagement_id: str, rehearsal_id: str, raw: str) -> Rehearsal:
    record = json.loads(raw)
    return Rehearsal(
        engagement_id,
        rehearsal_id,
        float(record["started_at"]),
        float(record["updated_at"]),
        _steps(record["offered"]),
        _steps(record["done"]),
    )


class RehearsalsMixin(RedisBase):
    @guarded
    async def record_rehearsal(
        self, engagement_id: str, report: RehearsalReport, now: float
    ) -> Rehearsal:
        raw = await self._script(
            RECORD,
            [engagement_key(engagement_id), _key(engagement_id)],
            [
                report.rehearsal_id,
                repr(now),
                ",".join(ordered(report.offered)),
                ",".join(ordered(report.done)),
                REHEARSALS_KEPT,
            ],
        )
        if raw is None:
            raise NotFound("No such engagement.")
        return _rehearsal(engagement_id, report.rehearsal_id, text(raw))

    @guarded
    async def rehearsals_of(self, engagement_id: str) -> list[Rehearsal]:
        raws = await self._redis.hgetall(_key(engagement_id))
        found = [_rehearsal(engagement_id, text(k), text(v)) for k, v in raws.items()]
        return sorted(found, key=lambda r: (r.started_at, r.rehearsal_id), reverse=True)

    @guarded
    async def erase_rehearsals(self, engagement_id: str) -> None:
        await self._redis.delete(_key(engagement_id))
