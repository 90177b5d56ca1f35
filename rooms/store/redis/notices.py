"""The notice due-queue, its log and the client's address on Redis.

`notices:<engagement>` is a hash of key -> notice JSON, kept after the notice is done (its
`done:<key>` field set) so a planned occasion is planned once. `notice-due` is one sorted
set for the deployment, member `<engagement>|<key>`, score the due time; the claim script
takes what is due and pushes its score out by the lease in one step, so with several
processes each notice goes to one of them. Finishing removes the member. The log is the
list `notice-log:<engagement>`; the address the hash `notice-contact:<engagement>`, found
from an unsubscribe link through `notice-unsubscribe:<digest of its token>`.
"""

from __future__ import annotations

from rooms.notices import Contact, LogEntry, Notice
from rooms.store.redis.base import RedisBase, guarded, keyname, text, texts
from rooms.tokens import digest

DUE = keyname("notice-due")

PLAN = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
"""

CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], member) end
return due
"""

OPT_OUT = """
local engagement = redis.call('GET', KEYS[1])
if not engagement then return false end
redis.call('HSET', ARGV[1] .. engagement, 'opted_out', '1')
return engagement
"""


def notices_key(engagement_id: str) -> str:
    return keyname("notices", engagement_id)


def contact_key(engagement_id: str) -> str:
    return keyname("notice-contact", engagement_id)


def unsubscribe_key(token: str) -> str:
    return keyname("notice-unsubscribe", digest(token))


class NoticesMixin(RedisBase):
    @guarded
    async def notice_plan(self, notice: Notice) -> bool:
        member = f"{notice.engagement_id}|{notice.key}"
        args: list[str | float | int] = [notice.key, notice.to_record(), notice.due_at, member]
        return bool(await self._script(PLAN, [notices_key(notice.engagement_id), DUE], args))

    @guarded
    async def notice_claim(self, now: float, lease: float, limit: int) -> list[Notice]:
        members = await self._script(CLAIM, [DUE], [now, now + lease, limit])
        claimed: list[Notice] = []
        for member in members:
            engagement_id, _, key = text(member).partition("|")
            raw = await self._redis.hget(notices_key(engagement_id), key)
            if raw is None:  # erased meanwhile
                await self._redis.zrem(DUE, member)
                continue
            claimed.append(Notice.from_record(engagement_id, text(raw)))
        return claimed

    @guarded
    async def notice_done(self, notice: Notice, entry: LogEntry | None) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(DUE, f"{notice.engagement_id}|{notice.key}")
            pipe.hset(notices_key(notice.engagement_id), f"done:{notice.key}", "1")
            if entry is not None:
                pipe.lpush(keyname("notice-log", notice.engagement_id), entry.to_record())
            await pipe.execute()

    @guarded
    async def notice_log(self, engagement_id: str) -> list[LogEntry]:
        raws = await self._redis.lrange(keyname("notice-log", engagement_id), 0, -1)
        return [LogEntry.from_record(text(raw)) for raw in raws]

    @guarded
    async def notice_contact(self, engagement_id: str) -> Contact | None:
        fields = texts(await self._redis.hgetall(contact_key(engagement_id)))
        if not fields:
            return None
        return Contact(fields.get("email", ""), fields.get("opted_out") == "1", fields["token"])

    @guarded
    async def notice_set_contact(self, engagement_id: str, email: str, token: str) -> None:
        key = contact_key(engagement_id)
        current = texts(await self._redis.hgetall(key))
        if not email and current.get("opted_out") != "1":
            await self._redis.delete(key, *([unsubscribe_key(current["token"])] if current else []))
            return
        if not current:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={"email": email, "token": token, "opted_out": "0"})
                pipe.set(unsubscribe_key(token), engagement_id)
                await pipe.execute()
            return
        await self._redis.hset(key, "email", email)

    @guarded
    async def notice_opt_out(self, token: str) -> str | None:
        found = await self._script(
            OPT_OUT, [unsubscribe_key(token)], [keyname("notice-contact", "")]
        )
        return text(found) if found else None

    @guarded
    async def erase_notices(self, engagement_id: str) -> None:
        keys = [
            k
            for k in texts(await self._redis.hgetall(notices_key(engagement_id)))
            if not k.startswith("done:")
        ]
        contact = texts(await self._redis.hgetall(contact_key(engagement_id)))
        async with self._redis.pipeline(transaction=True) as pipe:
            if keys:
                pipe.zrem(DUE, *(f"{engagement_id}|{key}" for key in keys))
            if contact.get("token"):
                pipe.delete(unsubscribe_key(contact["token"]))
            pipe.delete(
                notices_key(engagement_id),
                contact_key(engagement_id),
                keyname("notice-log", engagement_id),
            )
            await pipe.execute()
