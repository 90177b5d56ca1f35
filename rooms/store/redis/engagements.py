"""Engagements and their invite tokens.

An engagement is a hash; every token ever issued maps (by digest) to its engagement, so an
old link is recognised and answered with "this link was replaced". Rotating and revoking
are each one Lua script: a token can never be active after a rotation returned.
"""

from __future__ import annotations

from rooms.errors import NotFound
from rooms.models import Cadence, Engagement, InviteState, Language
from rooms.store.redis.base import RedisBase, guarded, keyname, text, texts
from rooms.tokens import digest

REPLACE_INVITE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'invite_token', ARGV[1], 'invite_state', 'active')
redis.call('SET', KEYS[2], ARGV[2])
return 1
"""

REVOKE_INVITE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'invite_state', 'revoked')
return 1
"""

# KEYS: engagement. ARGV: new coach id, the per-coach index key prefix, engagement id.
# Moves the id between the two coaches' indexes in the same step as the owner changes.
REASSIGN = """
local old = redis.call('HGET', KEYS[1], 'coach_id')
if not old then return 0 end
local created = redis.call('HGET', KEYS[1], 'created_at')
redis.call('ZREM', ARGV[2] .. old, ARGV[3])
redis.call('ZADD', ARGV[2] .. ARGV[1], created, ARGV[3])
redis.call('HSET', KEYS[1], 'coach_id', ARGV[1])
return 1
"""


def _engagement(fields: dict[str, str]) -> Engagement | None:
    if not fields:
        return None
    return Engagement(
        id=fields["id"],
        coach_id=fields["coach_id"],
        client_name=fields["client_name"],
        language=Language(fields["language"]),
        program_months=int(fields["program_months"]),
        session_minutes=int(fields["session_minutes"]),
        cadence=Cadence(fields["cadence"]),
        invite_token=fields["invite_token"],
        invite_state=InviteState(fields["invite_state"]),
        created_at=float(fields["created_at"]),
    )


def engagement_key(engagement_id: str) -> str:
    return keyname("engagement", engagement_id)


class EngagementsMixin(RedisBase):
    @guarded
    async def create_engagement(self, engagement: Engagement) -> None:
        e = engagement
        async with self._redis.pipeline(transaction=True) as tx:
            tx.hset(
                engagement_key(e.id),
                mapping={
                    "id": e.id,
                    "coach_id": e.coach_id,
                    "client_name": e.client_name,
                    "language": e.language.value,
                    "program_months": str(e.program_months),
                    "session_minutes": str(e.session_minutes),
                    "cadence": e.cadence.value,
                    "invite_token": e.invite_token,
                    "invite_state": e.invite_state.value,
                    "created_at": repr(e.created_at),
                },
            )
            tx.set(keyname("invite", digest(e.invite_token)), e.id)
            tx.zadd(keyname("engagements-of", e.coach_id), {e.id: e.created_at})
            await tx.execute()

    @guarded
    async def engagement(self, engagement_id: str) -> Engagement | None:
        return _engagement(texts(await self._redis.hgetall(engagement_key(engagement_id))))

    @guarded
    async def engagements_of(self, coach_id: str) -> list[Engagement]:
        ids = await self._redis.zrange(keyname("engagements-of", coach_id), 0, -1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for engagement_id in ids:
                pipe.hgetall(engagement_key(text(engagement_id)))
            rows = await pipe.execute()
        found = [e for e in (_engagement(texts(row)) for row in rows) if e is not None]
        return sorted(found, key=lambda e: (-e.created_at, e.id))

    @guarded
    async def invite_lookup(self, token: str) -> tuple[Engagement, InviteState] | None:
        engagement_id = await self._redis.get(keyname("invite", digest(token)))
        if engagement_id is None:
            return None
        engagement = await self.engagement(text(engagement_id))
        if engagement is None:
            return None
        current = engagement.invite_token == token
        return engagement, engagement.invite_state if current else InviteState.REVOKED

    @guarded
    async def replace_invite(self, engagement_id: str, new_token: str) -> Engagement:
        done = await self._script(
            REPLACE_INVITE,
            [engagement_key(engagement_id), keyname("invite", digest(new_token))],
            [new_token, engagement_id],
        )
        if not done:
            raise NotFound("No such engagement.")
        return await self._must(engagement_id)

    @guarded
    async def revoke_invite(self, engagement_id: str) -> Engagement:
        if not await self._script(REVOKE_INVITE, [engagement_key(engagement_id)], []):
            raise NotFound("No such engagement.")
        return await self._must(engagement_id)

    async def _must(self, engagement_id: str) -> Engagement:
        found = await self.engagement(engagement_id)
        if found is None:
            raise NotFound("No such engagement.")
        return found

    @guarded
    async def all_engagements(self) -> list[Engagement]:
        found: list[Engagement] = []
        async for name in self._redis.scan_iter(match=keyname("engagement", "*"), count=500):
            engagement = _engagement(texts(await self._redis.hgetall(text(name))))
            if engagement is not None:
                found.append(engagement)
        return sorted(found, key=lambda e: (-e.created_at, e.id))

    @guarded
    async def reassign_engagement(self, engagement_id: str, coach_id: str) -> Engagement:
        done = await self._script(
            REASSIGN,
            [engagement_key(engagement_id)],
            [coach_id, keyname("engagements-of", ""), engagement_id],
        )
        if not done:
            raise NotFound("No such engagement.")
        return await self._must(engagement_id)

    @guarded
    async def erase_engagement_record(self, engagement_id: str) -> None:
        """Every invite token ever issued (found by value: a token's key is its digest),
        the coach's index entry, then the engagement hash itself (runs last)."""
        invites = [
            text(name)
            async for name in self._redis.scan_iter(match=keyname("invite", "*"), count=500)
        ]
        owners = await self._redis.mget(invites) if invites else []
        stale = [
            name for name, owner in zip(invites, owners, strict=True) if owner == engagement_id
        ]
        coach = await self._redis.hget(engagement_key(engagement_id), "coach_id")
        async with self._redis.pipeline(transaction=True) as tx:
            if stale:
                tx.delete(*stale)
            if coach is not None:
                tx.zrem(keyname("engagements-of", text(coach)), engagement_id)
            tx.delete(engagement_key(engagement_id))
            await tx.execute()
