"""The message thread as the Socket.IO layer and the pages use it.

Sending validates first and changes nothing on bad input; a closed program's thread is
read-only like the rest of it. The rate limit is counted in the store (so every process
shares it) under a key made from a digest of the engagement id, which expires with its
window and so names no engagement for longer than that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rooms.clock import Clock
from rooms.errors import InvalidInput, Throttled
from rooms.lifecycle_service import refuse_if_closed
from rooms.messages import Message, ThreadState, parse_client_id, parse_text
from rooms.models import Engagement, Role
from rooms.store.protocol import AccountStore, LifecycleStore, MessageStore
from rooms.tokens import digest

SEND_LIMIT = 100  # messages per side within SEND_WINDOW: far above typing, far below a flood
SEND_WINDOW = 600.0
CATCH_UP_LIMIT = 500  # more missed than this: the page reloads the newest page instead
PAGE = 50  # messages shown when a thread opens
UNREAD_CAP = 99  # "99+" on the pages


class MessageBacking(MessageStore, LifecycleStore, AccountStore, Protocol):
    """The store areas the thread uses."""


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    duplicate: bool


class Messages:
    def __init__(self, store: MessageBacking, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def send(
        self, engagement: Engagement, role: Role, client_id: object, text: object
    ) -> Sent:
        parsed_id, parsed_text = parse_client_id(client_id), parse_text(text)
        refuse_if_closed(await self._store.closed_at(engagement.id))
        key = f"messages:{digest(engagement.id)[:24]}:{role.value}"
        now = self._clock()
        if await self._store.count_login_failures(key, now, SEND_WINDOW) >= SEND_LIMIT:
            raise Throttled("You have sent many messages; wait a few minutes.", retry_after=60.0)
        message, duplicate = await self._store.message_append(
            engagement.id, parsed_id, role, parsed_text, now
        )
        if not duplicate:
            await self._store.note_login_failure(key, now, SEND_WINDOW)
        return Sent(message, duplicate)

    async def catch_up(self, engagement: Engagement, since: int) -> list[Message] | None:
        """Every message after `since`, or None when more were missed than is sensible to
        send (the page then starts again from the newest page)."""
        missed = await self._store.messages_after(engagement.id, since, CATCH_UP_LIMIT + 1)
        return None if len(missed) > CATCH_UP_LIMIT else missed

    async def newest(self, engagement: Engagement, before: int = 0) -> list[Message]:
        return await self._store.messages_before(engagement.id, before, PAGE)

    async def mark_read(self, engagement: Engagement, role: Role, seq: object) -> ThreadState:
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise InvalidInput("Expected a message number.", field="seq")
        return await self._store.message_read(engagement.id, role, seq)

    async def state(self, engagement: Engagement) -> ThreadState:
        return await self._store.message_state(engagement.id)

    async def unread(self, engagement: Engagement, role: Role) -> int:
        return await self._store.messages_unread(engagement.id, role, UNREAD_CAP + 1)

    async def transcript(self, engagement: Engagement) -> list[Message]:
        """The whole thread, oldest first, for the engagement's export."""
        found: list[Message] = []
        while batch := await self._store.messages_after(
            engagement.id, found[-1].seq if found else 0, 1000
        ):
            found += batch
        return found
