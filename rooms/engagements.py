"""Engagement rules: what a coach may create, and who may see it.

An engagement is one coach and one client over a 3, 6 or 12 month program. Ownership is
the only access rule: a coach sees their own engagements, a client sees exactly the one
their invite link names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rooms import validation
from rooms.clock import Clock
from rooms.errors import NotFound
from rooms.models import (
    PROGRAM_MONTHS,
    SESSION_MINUTES,
    Cadence,
    Engagement,
    InviteState,
    Language,
)
from rooms.revocation import Revoke, RevokeReason, invite_credential, revoke_nothing
from rooms.store import Store
from rooms.tokens import new_id, new_token

MAX_CLIENT_NAME = 120


@dataclass(frozen=True, slots=True)
class EngagementDraft:
    client_name: str
    language: Language
    program_months: int
    session_minutes: int
    cadence: Cadence

    @classmethod
    def parse(cls, data: Mapping[str, object]) -> EngagementDraft:
        return cls(
            client_name=validation.text(
                data.get("client_name"), "client_name", max_len=MAX_CLIENT_NAME
            ),
            language=validation.choice(data.get("language", "en"), "language", Language),
            program_months=validation.integer_in(
                data.get("program_months", 6), "program_months", PROGRAM_MONTHS
            ),
            session_minutes=validation.integer_in(
                data.get("session_minutes", 60), "session_minutes", SESSION_MINUTES
            ),
            cadence=validation.choice(data.get("cadence", "biweekly"), "cadence", Cadence),
        )


def owned_by(engagement: Engagement | None, coach_id: str) -> Engagement:
    """Another coach's engagement looks exactly like a missing one, so ids leak nothing."""
    if engagement is None or engagement.coach_id != coach_id:
        raise NotFound("No such engagement.")
    return engagement


def invite_usable(engagement: Engagement | None) -> bool:
    return engagement is not None and engagement.invite_state is InviteState.ACTIVE


class Engagements:
    """Everything a coach does with engagements, each call scoped to that coach."""

    def __init__(self, store: Store, clock: Clock, *, revoke: Revoke = revoke_nothing) -> None:
        self._store = store
        self._clock = clock
        self._revoke = revoke  # cuts the client's connected sockets (rooms/revocation.py)

    async def create(self, coach_id: str, draft: EngagementDraft) -> Engagement:
        engagement = Engagement(
            id=new_id(),
            coach_id=coach_id,
            client_name=draft.client_name,
            language=draft.language,
            program_months=draft.program_months,
            session_minutes=draft.session_minutes,
            cadence=draft.cadence,
            invite_token=new_token(),
            invite_state=InviteState.ACTIVE,
            created_at=self._clock(),
        )
        await self._store.create_engagement(engagement)
        return engagement

    async def of_coach(self, coach_id: str) -> list[Engagement]:
        return await self._store.engagements_of(coach_id)

    async def get(self, coach_id: str, engagement_id: str) -> Engagement:
        return owned_by(await self._store.engagement(engagement_id), coach_id)

    async def rotate_invite(self, coach_id: str, engagement_id: str) -> Engagement:
        old = await self.get(coach_id, engagement_id)
        rotated = await self._store.replace_invite(engagement_id, new_token())
        await self._revoke(invite_credential(old.invite_token), RevokeReason.INVITE_ROTATED)
        return rotated

    async def revoke_invite(self, coach_id: str, engagement_id: str) -> Engagement:
        old = await self.get(coach_id, engagement_id)
        revoked = await self._store.revoke_invite(engagement_id)
        await self._revoke(invite_credential(old.invite_token), RevokeReason.INVITE_REVOKED)
        return revoked

    async def open_invite(self, token: str) -> tuple[Engagement, InviteState] | None:
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        return await self._store.invite_lookup(token)
