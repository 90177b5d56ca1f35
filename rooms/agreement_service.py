"""The agreement as the pages use it: the coach drafts and edits, the client accepts.

Writes are compare-and-set on the newest version (AgreementStore.agreement_write); on a
lost race the rule is applied again on top of what won, as the board does.
"""

from __future__ import annotations

from rooms.agreement import (
    AgreementStatus,
    AgreementVersion,
    accepted,
    clean_text,
    edited,
    only,
)
from rooms.agreement_templates import TemplateFacts, template_for
from rooms.board_service import Boards
from rooms.clock import Clock
from rooms.errors import Conflict
from rooms.lifecycle_service import Lifecycle
from rooms.models import Engagement, Role
from rooms.store.protocol import AgreementStore

MAX_ATTEMPTS = 8


class Agreements:
    def __init__(
        self, store: AgreementStore, boards: Boards, lifecycle: Lifecycle, clock: Clock
    ) -> None:
        self._store = store
        self._boards = boards
        self._lifecycle = lifecycle
        self._clock = clock

    def template(self, engagement: Engagement, coach_name: str) -> str:
        facts = TemplateFacts(coach_name, self._lifecycle.retention_days)
        return template_for(engagement, facts)

    async def versions(self, engagement: Engagement) -> list[AgreementVersion]:
        return await self._store.agreement_versions(engagement.id)

    async def status(self, engagement: Engagement) -> AgreementStatus:
        return AgreementStatus.of(await self.versions(engagement))

    async def first_accepted(self, engagement: Engagement) -> AgreementVersion | None:
        """The goals "as first agreed" come from here."""
        return next((v for v in await self.versions(engagement) if v.accepted), None)

    async def save(self, engagement: Engagement, role: Role, text: object) -> AgreementVersion:
        """Raises InvalidInput, Forbidden (not the coach, or the program is closed)."""
        only(role, Role.COACH, "Only the coach can change the agreement.")
        body = clean_text(text)
        await self._lifecycle.ensure_open(engagement)
        for _ in range(MAX_ATTEMPTS):
            versions = await self.versions(engagement)
            newest = versions[-1] if versions else None
            version = edited(newest, body, self._clock())
            if version is newest:
                return version
            if await self._store.agreement_write(engagement.id, newest, version):
                return version
        raise Conflict("The agreement is busy; try again.")

    async def accept(
        self, engagement: Engagement, role: Role, number: object, digest: object, consent: bool
    ) -> AgreementVersion:
        """Raises Conflict when the text changed since the client's page showed it."""
        only(role, Role.CLIENT, "Only the client accepts the agreement.")
        await self._lifecycle.ensure_open(engagement)
        for _ in range(MAX_ATTEMPTS):
            versions = await self.versions(engagement)
            newest = versions[-1] if versions else None
            board = (await self._boards.snapshot(engagement)).state
            version = accepted(
                newest,
                number,
                digest,
                now=self._clock(),
                name=engagement.client_name,
                consent=consent,
                board=board,
            )
            if version is newest:
                return version
            if await self._store.agreement_write(engagement.id, newest, version):
                return version
        raise Conflict("The agreement is busy; try again.")
