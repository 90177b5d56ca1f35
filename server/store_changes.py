"""The store as the app's services see it, telling the notice planner what changed.

Notices are planned from an engagement's sessions, board (homework, the client's last
visit) and messages. Rather than walking every engagement every round, each process
plans only the engagements whose inputs it has just written (rooms/notice_service.py
`Notices.mark`); a full walk runs at start-up and every TANDEM_NOTICE_SWEEP_SECONDS for
what changed outside any server process (the `tandem` CLI, a restored backup) and for
what changes by time alone (homework due "at the next session" once a session has passed
unrecorded). The writes below are the only ones any notice depends on.
"""

from __future__ import annotations

from typing import Any, cast

from rooms.board.records import BoardCommit
from rooms.messages import Message, ThreadState
from rooms.models import Engagement, Role
from rooms.notice_service import Notices
from rooms.sessions import SessionRecord
from rooms.store import Store


class ChangeWatch:
    def __init__(self, store: Store, notices: Notices) -> None:
        self._store = store
        self._notices = notices

    @classmethod
    def wrap(cls, store: Store, notices: Notices) -> Store:
        """Typed as the Store it stands for: every other call passes straight through."""
        return cast(Store, cls(store, notices))

    @property
    def inner(self) -> Store:
        return self._store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def create_engagement(self, engagement: Engagement) -> None:
        await self._store.create_engagement(engagement)
        self._notices.mark(engagement.id)

    async def session_put(self, record: SessionRecord, expected_version: int) -> bool:
        stored = await self._store.session_put(record, expected_version)
        if stored:
            self._notices.mark(record.engagement_id)
        return stored

    async def board_apply(
        self, engagement_id: str, *args: Any, **kwargs: Any
    ) -> BoardCommit | None:
        """As the store's (its signature is in rooms/store/protocol.py)."""
        commit = await self._store.board_apply(engagement_id, *args, **kwargs)
        if commit is not None:
            self._notices.mark(engagement_id)
        return commit

    async def board_touch(self, engagement_id: str, role: Role, now: float) -> None:
        await self._store.board_touch(engagement_id, role, now)
        if role is Role.CLIENT:  # the client's last visit: the nudge counts from it
            self._notices.mark(engagement_id)

    async def message_append(
        self, engagement_id: str, client_id: str, sender: Role, text: str, sent_at: float
    ) -> tuple[Message, bool]:
        found = await self._store.message_append(engagement_id, client_id, sender, text, sent_at)
        self._notices.mark(engagement_id)
        return found

    async def message_read(self, engagement_id: str, role: Role, seq: int) -> ThreadState:
        state = await self._store.message_read(engagement_id, role, seq)
        self._notices.mark(engagement_id)
        return state

    async def set_coach_time_zone(self, coach_id: str, time_zone: str) -> None:
        """Homework notices go at 09:00 in the coach's zone: all of theirs move."""
        await self._store.set_coach_time_zone(coach_id, time_zone)
        for engagement in await self._store.engagements_of(coach_id):
            self._notices.mark(engagement.id)
