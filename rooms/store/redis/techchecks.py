"""Tech-check reports: a list per engagement, newest first, pruned in the same script.

`techchecks:<id>` holds each report's JSON record (which names its role); SAVE pushes and
trims to TECHCHECKS_KEPT atomically, so a client running the check in a loop cannot grow
Redis without bound, and refuses an unknown engagement as the SQLite foreign key does.
"""

from __future__ import annotations

from rooms.errors import NotFound
from rooms.models import Role
from rooms.store.redis.base import RedisBase, guarded, keyname, text
from rooms.store.redis.engagements import engagement_key
from rooms.techcheck import TECHCHECKS_KEPT, TechCheckReport

SAVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
return 1
"""


def _key(engagement_id: str) -> str:
    return keyname("techchecks", engagement_id)


class TechChecksMixin(RedisBase):
    @guarded
    async def save_techcheck(self, report: TechCheckReport) -> None:
        outcome = await self._script(
            SAVE,
            [engagement_key(report.engagement_id), _key(report.engagement_id)],
            [report.to_record(), TECHCHECKS_KEPT],
        )
        if int(outcome) == -1:
            raise NotFound("No such engagement.")

    @guarded
    async def latest_techcheck(
        self, engagement_id: str, role: Role = Role.CLIENT
    ) -> TechCheckReport | None:
        # At most TECHCHECKS_KEPT short records: reading them all is cheaper than an index.
        for report in await self.techchecks_of(engagement_id):
            if report.role is role:
                return report
        return None

    @guarded
    async def techchecks_of(self, engagement_id: str) -> list[TechCheckReport]:
        raws = await self._redis.lrange(_key(engagement_id), 0, -1)
        return [TechCheckReport.from_record(engagement_id, text(raw)) for raw in raws]

    @guarded
    async def erase_techchecks(self, engagement_id: str) -> None:
        await self._redis.delete(_key(engagement_id))
