"""Agreement versions: `agreement:<id>` is a list of canonical JSON versions, version N at
index N-1.

`agreement_write` is one Lua script that compares the stored newest string with the
expected one byte for byte (AgreementVersion.to_json is canonical), so the script never
decodes JSON and floats round-trip exactly, as in the SQLite backend.
"""

from __future__ import annotations

from rooms.agreement import AgreementVersion
from rooms.errors import NotFound
from rooms.store.redis.base import RedisBase, guarded, keyname, text
from rooms.store.redis.engagements import engagement_key

# KEYS: engagement, versions. ARGV: expected JSON ('' for none), new JSON, 'replace' or
# 'append'. Returns -1 unknown engagement, 0 lost the race, 1 stored.
WRITE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local newest = redis.call('LINDEX', KEYS[2], -1) or ''
if newest ~= ARGV[1] then return 0 end
if ARGV[3] == 'replace' then
  redis.call('LSET', KEYS[2], -1, ARGV[2])
else
  redis.call('RPUSH', KEYS[2], ARGV[2])
end
return 1
"""


def agreement_key(engagement_id: str) -> str:
    return keyname("agreement", engagement_id)


class AgreementsMixin(RedisBase):
    @guarded
    async def agreement_versions(self, engagement_id: str) -> list[AgreementVersion]:
        raws = await self._redis.lrange(agreement_key(engagement_id), 0, -1)
        return [AgreementVersion.from_json(text(raw)) for raw in raws]

    @guarded
    async def agreement_write(
        self, engagement_id: str, expected: AgreementVersion | None, version: AgreementVersion
    ) -> bool:
        replacing = expected is not None and expected.number == version.number
        outcome = await self._script(
            WRITE,
            [engagement_key(engagement_id), agreement_key(engagement_id)],
            [
                expected.to_json() if expected else "",
                version.to_json(),
                "replace" if replacing else "append",
            ],
        )
        if outcome == -1:
            raise NotFound("No such engagement.")
        return bool(outcome == 1)

    @guarded
    async def erase_agreements(self, engagement_id: str) -> None:
        await self._redis.delete(agreement_key(engagement_id))
