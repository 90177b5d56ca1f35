"""Engagements and their invite tokens.

The current token is kept in the engagement row so the coach can copy the link again;
every token ever issued stays in `invites` by digest, so an old link can be recognised and
answered with the friendly "this link was replaced" page instead of a bare 404.
"""

from __future__ import annotations

import sqlite3

from rooms.errors import NotFound
from rooms.models import Cadence, Engagement, InviteState, Language
from rooms.store.sqlite.base import SqliteBase
from rooms.tokens import digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS engagements (
    id TEXT PRIMARY KEY,
    coach_id TEXT NOT NULL REFERENCES coaches(id),
    client_name TEXT NOT NULL,
    language TEXT NOT NULL,
    program_months INTEGER NOT NULL,
    session_minutes INTEGER NOT NULL,
    cadence TEXT NOT NULL,
    invite_token TEXT NOT NULL,
    invite_state TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS engagements_coach ON engagements(coach_id, created_at);
CREATE TABLE IF NOT EXISTS invites (
    token_digest TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id)
);
"""


def _engagement(row: sqlite3.Row) -> Engagement:
    return Engagement(
        id=row["id"],
        coach_id=row["coach_id"],
        client_name=row["client_name"],
        language=Language(row["language"]),
        program_months=row["program_months"],
        session_minutes=row["session_minutes"],
        cadence=Cadence(row["cadence"]),
        invite_token=row["invite_token"],
        invite_state=InviteState(row["invite_state"]),
        created_at=row["created_at"],
    )


class EngagementsMixin(SqliteBase):
    async def create_engagement(self, engagement: Engagement) -> None:
        e = engagement
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO engagements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    e.id,
                    e.coach_id,
                    e.client_name,
                    e.language.value,
                    e.program_months,
                    e.session_minutes,
                    e.cadence.value,
                    e.invite_token,
                    e.invite_state.value,
                    e.created_at,
                ),
            )
            await db.execute("INSERT INTO invites VALUES (?, ?)", (digest(e.invite_token), e.id))

    async def engagement(self, engagement_id: str) -> Engagement | None:
        row = await self._one("SELECT * FROM engagements WHERE id = ?", (engagement_id,))
        return _engagement(row) if row else None

    async def engagements_of(self, coach_id: str) -> list[Engagement]:
        rows = await self._all(
            "SELECT * FROM engagements WHERE coach_id = ? ORDER BY created_at DESC, id",
            (coach_id,),
        )
        return [_engagement(row) for row in rows]

    async def invite_lookup(self, token: str) -> tuple[Engagement, InviteState] | None:
        row = await self._one(
            "SELECT e.* FROM invites i JOIN engagements e ON e.id = i.engagement_id"
            " WHERE i.token_digest = ?",
            (digest(token),),
        )
        if row is None:
            return None
        engagement = _engagement(row)
        current = engagement.invite_token == token
        state = engagement.invite_state if current else InviteState.REVOKED
        return engagement, state

    async def replace_invite(self, engagement_id: str, new_token: str) -> Engagement:
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE engagements SET invite_token = ?, invite_state = ? WHERE id = ?",
                (new_token, InviteState.ACTIVE.value, engagement_id),
            )
            if cursor.rowcount != 1:
                raise NotFound("No such engagement.")
            await db.execute(
                "INSERT INTO invites VALUES (?, ?)", (digest(new_token), engagement_id)
            )
        return await self._must(engagement_id)

    async def revoke_invite(self, engagement_id: str) -> Engagement:
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE engagements SET invite_state = ? WHERE id = ?",
                (InviteState.REVOKED.value, engagement_id),
            )
            if cursor.rowcount != 1:
                raise NotFound("No such engagement.")
        return await self._must(engagement_id)

    async def _must(self, engagement_id: str) -> Engagement:
        found = await self.engagement(engagement_id)
        if found is None:
            raise NotFound("No such engagement.")
        return found

    async def all_engagements(self) -> list[Engagement]:
        rows = await self._all("SELECT * FROM engagements ORDER BY created_at DESC, id")
        return [_engagement(row) for row in rows]

    async def reassign_engagement(self, engagement_id: str, coach_id: str) -> Engagement:
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE engagements SET coach_id = ? WHERE id = ?", (coach_id, engagement_id)
            )
            if cursor.rowcount != 1:
                raise NotFound("No such engagement.")
        return await self._must(engagement_id)

    async def erase_engagement_record(self, engagement_id: str) -> None:
        """Every invite token ever issued, then the engagement row itself (runs last)."""
        async with self._tx() as db:
            await db.execute("DELETE FROM invites WHERE engagement_id = ?", (engagement_id,))
            await db.execute("DELETE FROM engagements WHERE id = ?", (engagement_id,))
