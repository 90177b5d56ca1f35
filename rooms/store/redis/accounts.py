"""Coaches, login sessions, one-time setup links and login-failure counts.

Records are hashes; a uniqueness rule (one coach per e-mail) and a one-time consumption
are each a Lua script, so they hold when two processes race.
"""

from __future__ import annotations

import math
import secrets

from rooms.errors import Conflict
from rooms.models import Coach, LinkPurpose, LoginSession, SetupLink
from rooms.store.redis.base import RedisBase, guarded, keyname, text, texts
from rooms.tokens import new_id

CREATE_COACH = """
if redis.call('SETNX', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'email', ARGV[2], 'display_name', ARGV[3],
           'password_hash', ARGV[4], 'created_at', ARGV[5])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"""

# Deletes the link and returns it, only while it has not expired and has the purpose
# asked for (a link stored before purposes existed is a setup link).
CONSUME_SETUP = """
local found = redis.call('HMGET', KEYS[1], 'email', 'has_email', 'expires_at', 'purpose')
if not found[3] or tonumber(found[3]) <= tonumber(ARGV[1]) then return false end
if (found[4] or 'setup') ~= ARGV[2] then return false end
redis.call('DEL', KEYS[1])
return {found[1], found[2], found[3]}
"""

SET_FIELD = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
"""

NOTE_FAILURE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
"""


def _coach(fields: dict[str, str]) -> Coach | None:
    if not fields:
        return None
    return Coach(
        id=fields["id"],
        email=fields["email"],
        display_name=fields["display_name"],
        password_hash=fields["password_hash"],
        created_at=float(fields["created_at"]),
        time_zone=fields.get("time_zone", ""),
        language=fields.get("language", ""),
        mail_off=fields.get("mail_off") == "1",
    )


def _link(
    email: str | None, has_email: str | None, expires_at: str, purpose: LinkPurpose
) -> SetupLink:
    return SetupLink(email if has_email == "1" else None, float(expires_at), purpose)


class AccountsMixin(RedisBase):
    @guarded
    async def create_coach(
        self, *, email: str, display_name: str, password_hash: str, now: float
    ) -> Coach:
        coach = Coach(new_id(), email, display_name, password_hash, now)
        created = await self._script(
            CREATE_COACH,
            [keyname("coach-email", email), keyname("coach", coach.id), keyname("coaches")],
            [coach.id, email, display_name, password_hash, repr(now)],
        )
        if not created:
            raise Conflict("A coach with this e-mail address exists.", field="email")
        return coach

    @guarded
    async def coach_by_email(self, email: str) -> Coach | None:
        coach_id = await self._redis.get(keyname("coach-email", email))
        return await self.coach_by_id(text(coach_id)) if coach_id else None

    @guarded
    async def coach_by_id(self, coach_id: str) -> Coach | None:
        return _coach(texts(await self._redis.hgetall(keyname("coach", coach_id))))

    @guarded
    async def set_coach_time_zone(self, coach_id: str, time_zone: str) -> None:
        # One script: a coach removed meanwhile must not come back as a half record.
        await self._script(SET_FIELD, [keyname("coach", coach_id)], ["time_zone", time_zone])

    @guarded
    async def set_coach_language(self, coach_id: str, language: str) -> None:
        await self._script(SET_FIELD, [keyname("coach", coach_id)], ["language", language])

    @guarded
    async def set_coach_mail_off(self, coach_id: str, off: bool) -> None:
        await self._script(
            SET_FIELD, [keyname("coach", coach_id)], ["mail_off", "1" if off else "0"]
        )

    @guarded
    async def count_coaches(self) -> int:
        return int(await self._redis.scard(keyname("coaches")))

    @guarded
    async def create_setup_link(self, token_digest: str, link: SetupLink) -> None:
        await self._redis.hset(
            keyname("setup", token_digest),
            mapping={
                "email": link.email or "",
                "has_email": "1" if link.email is not None else "0",
                "expires_at": repr(link.expires_at),
                "purpose": link.purpose.value,
            },
        )

    @guarded
    async def peek_setup_link(
        self, token_digest: str, now: float, purpose: LinkPurpose = LinkPurpose.SETUP
    ) -> SetupLink | None:
        email, has_email, expires_at, stored = await self._redis.hmget(
            keyname("setup", token_digest), ["email", "has_email", "expires_at", "purpose"]
        )
        if expires_at is None or float(expires_at) <= now:
            return None
        if (text(stored) if stored is not None else LinkPurpose.SETUP.value) != purpose.value:
            return None
        email_text = None if email is None else text(email)
        return _link(email_text, text(has_email), text(expires_at), purpose)

    @guarded
    async def consume_setup_link(
        self, token_digest: str, now: float, purpose: LinkPurpose = LinkPurpose.SETUP
    ) -> SetupLink | None:
        found = await self._script(
            CONSUME_SETUP, [keyname("setup", token_digest)], [repr(now), purpose.value]
        )
        if not found:
            return None
        email, has_email, expires_at = (text(part) for part in found)
        return _link(email, has_email, expires_at, purpose)

    @guarded
    async def create_login_session(self, token_digest: str, session: LoginSession) -> None:
        await self._redis.hset(
            keyname("login", token_digest),
            mapping={
                "coach_id": session.coach_id,
                "csrf_token": session.csrf_token,
                "expires_at": repr(session.expires_at),
            },
        )

    @guarded
    async def login_session(self, token_digest: str, now: float) -> LoginSession | None:
        fields = texts(await self._redis.hgetall(keyname("login", token_digest)))
        if not fields or float(fields["expires_at"]) <= now:
            return None
        return LoginSession(fields["coach_id"], fields["csrf_token"], float(fields["expires_at"]))

    @guarded
    async def delete_login_session(self, token_digest: str) -> None:
        await self._redis.delete(keyname("login", token_digest))

    @guarded
    async def note_login_failure(self, key: str, now: float, window: float) -> int:
        member = f"{now!r}:{secrets.token_hex(8)}"  # two failures at one instant both count
        count = await self._script(
            NOTE_FAILURE,
            [keyname("failures", key)],
            [repr(now), repr(now - window), member, str(math.ceil(window))],
        )
        return int(count)

    @guarded
    async def count_login_failures(self, key: str, now: float, window: float) -> int:
        return int(await self._redis.zcount(keyname("failures", key), f"({now - window!r}", "+inf"))

    @guarded
    async def clear_login_failures(self, key: str) -> None:
        await self._redis.delete(keyname("failures", key))

    @guarded
    async def coaches(self) -> list[Coach]:
        ids = sorted(text(i) for i in await self._redis.smembers(keyname("coaches")))
        found = [await self.coach_by_id(coach_id) for coach_id in ids]
        return sorted((c for c in found if c is not None), key=lambda c: (c.created_at, c.email))

    async def _drop_logins_of(self, coach_id: str) -> None:
        async for name in self._redis.scan_iter(match=keyname("login", "*"), count=500):
            if await self._redis.hget(text(name), "coach_id") == coach_id:
                await self._redis.delete(text(name))

    @guarded
    async def set_password_hash(self, coach_id: str, password_hash: str) -> bool:
        """Also ends every login session of the coach: a reset locks out whoever had it."""
        key = keyname("coach", coach_id)
        if not await self._redis.exists(key):
            return False
        await self._redis.hset(key, "password_hash", password_hash)
        await self._drop_logins_of(coach_id)
        return True

    @guarded
    async def delete_coach(self, coach_id: str) -> bool:
        """Refused (Conflict) while the coach still has engagements."""
        if await self._redis.zcard(keyname("engagements-of", coach_id)):
            raise Conflict("Erase this coach's engagements or hand them over first.")
        email = await self._redis.hget(keyname("coach", coach_id), "email")
        if email is None:
            return False
        await self._drop_logins_of(coach_id)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.delete(keyname("coach", coach_id), keyname("coach-email", text(email)))
            tx.srem(keyname("coaches"), coach_id)
            await tx.execute()
        return True
