"""Session records and call reports.

`sessions:<engagement>` is a hash of session id -> JSON record; PUT compares the stored
record's version inside one script (cjson reads it), so the compare-and-set holds across
processes. `call-reports:<engagement>` holds `<call>:<role>:<field>` counters, bumped in
one script. Erasure deletes these keys and the call log's (`calls:`, `call-open:`).
"""

from __future__ import annotations

from rooms.models import Role
from rooms.sessions.records import CallReport, MediaPath, QualityLevel, SessionRecord
from rooms.store.redis.base import RedisBase, guarded, keyname, text, texts

PUT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
local expected = tonumber(ARGV[2])
if current then
  if expected == 0 or cjson.decode(current)['version'] ~= expected then return 0 end
elseif expected ~= 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

REPORT = """
local prefix = ARGV[1] .. ':' .. ARGV[2] .. ':'
if ARGV[3] ~= 'unknown' or redis.call('HEXISTS', KEYS[1], prefix .. 'path') == 0 then
  redis.call('HSET', KEYS[1], prefix .. 'path', ARGV[3])
end
if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[1], prefix .. ARGV[4], 1) end
return 1
"""


def sessions_key(engagement_id: str) -> str:
    return keyname("sessions", engagement_id)


def reports_key(engagement_id: str) -> str:
    return keyname("call-reports", engagement_id)


class SessionsMixin(RedisBase):
    @guarded
    async def session_put(self, record: SessionRecord, expected_version: int) -> bool:
        if record.version != expected_version + 1:
            raise ValueError("a session write must advance the version by one")
        done = await self._script(
            PUT,
            [sessions_key(record.engagement_id)],
            [record.id, expected_version, record.to_record()],
        )
        return bool(done)

    @guarded
    async def session_get(self, engagement_id: str, session_id: str) -> SessionRecord | None:
        raw = await self._redis.hget(sessions_key(engagement_id), session_id)
        return SessionRecord.from_record(engagement_id, text(raw)) if raw is not None else None

    @guarded
    async def sessions_of(self, engagement_id: str) -> list[SessionRecord]:
        raws = texts(await self._redis.hgetall(sessions_key(engagement_id)))
        return [SessionRecord.from_record(engagement_id, raw) for raw in raws.values()]

    @guarded
    async def call_report_add(
        self,
        engagement_id: str,
        call_id: int,
        role: Role,
        path: MediaPath,
        level: QualityLevel | None,
    ) -> None:
        await self._script(
            REPORT,
            [reports_key(engagement_id)],
            [str(call_id), role.value, path.value, level.value if level else ""],
        )

    @guarded
    async def call_reports_of(self, engagement_id: str) -> list[CallReport]:
        fields = texts(await self._redis.hgetall(reports_key(engagement_id)))
        found: dict[tuple[int, str], dict[str, str]] = {}
        for name, value in fields.items():
            call, role, field = name.split(":")
            found.setdefault((int(call), role), {})[field] = value
        return [
            CallReport(
                call,
                Role(role),
                MediaPath(values.get("path", MediaPath.UNKNOWN.value)),
                int(values.get("good", 0)),
                int(values.get("fair", 0)),
                int(values.get("poor", 0)),
            )
            for (call, role), values in sorted(found.items())
        ]

    @guarded
    async def erase_sessions(self, engagement_id: str) -> None:
        await self._redis.delete(
            sessions_key(engagement_id),
            reports_key(engagement_id),
            keyname("calls", engagement_id),
            keyname("call-open", engagement_id),
        )
