"""Closing, erasure claims and the erasure log.

- `closed:<id>`: when the engagement was closed (SET NX: the first close wins);
- `closed-at`: sorted set id -> closed time, which the retention sweep reads by range;
- `erase-claim:<id>`: SET NX with an expiry, the atomic claim that lets exactly one of
  several processes erase an engagement;
- `erasures`: hash record id -> content-free JSON (no engagement id, no name); a hash so
  finishing a cut-short erasure logs it once.
"""

from __future__ import annotations

from rooms.errors import NotFound
from rooms.lifecycle import ErasureRecord
from rooms.store.redis.base import RedisBase, guarded, keyname, text
from rooms.store.redis.engagements import engagement_key

CLOSE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('SET', KEYS[2], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
end
return redis.call('GET', KEYS[2])
"""


def closed_key(engagement_id: str) -> str:
    return keyname("closed", engagement_id)


class LifecycleMixin(RedisBase):
    @guarded
    async def close_engagement(self, engagement_id: str, now: float) -> float:
        closed = await self._script(
            CLOSE,
            [engagement_key(engagement_id), closed_key(engagement_id), keyname("closed-at")],
            [repr(now), engagement_id],
        )
        if closed is None:
            raise NotFound("No such engagement.")
        return float(text(closed))

    @guarded
    async def closed_at(self, engagement_id: str) -> float | None:
        raw = await self._redis.get(closed_key(engagement_id))
        return None if raw is None else float(text(raw))

    @guarded
    async def closed_before(self, cutoff: float) -> list[str]:
        return [text(i) for i in await self._redis.zrangebyscore(keyname("closed-at"), 0, cutoff)]

    @guarded
    async def claim_erasure(self, engagement_id: str, owner: str, now: float, ttl: float) -> bool:
        # Redis's own clock times the claim out; `now` is the domain's and only SQLite's.
        key = keyname("erase-claim", engagement_id)
        return bool(await self._redis.set(key, owner, nx=True, px=max(1, int(ttl * 1000))))

    @guarded
    async def record_erasure(self, record: ErasureRecord) -> None:
        await self._redis.hset(keyname("erasures"), record.id, record.to_json())

    @guarded
    async def erasures(self) -> list[ErasureRecord]:
        raws = await self._redis.hvals(keyname("erasures"))
        return sorted(
            (ErasureRecord.from_json(text(raw)) for raw in raws), key=lambda r: (r.erased_at, r.id)
        )

    @guarded
    async def erase_lifecycle(self, engagement_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as tx:
            tx.delete(closed_key(engagement_id), keyname("erase-claim", engagement_id))
            tx.zrem(keyname("closed-at"), engagement_id)
            await tx.execute()
