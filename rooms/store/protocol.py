"""What every storage backend promises, one Protocol per area.

Backends are chosen by URL (`sqlite:///path`, later `redis://…`) and must pass the one
contract suite in tests/test_store_contract.py. Methods that decide a race (consuming a
setup link, counting login failures, replacing an invite) are single atomic steps in the
backend, never read-then-write in the caller, so a Redis backend can keep them atomic
across processes with one script each.
"""

from __future__ import annotations

from typing import Protocol

from rooms.calls import CallKind, CallRecord
from rooms.models import Coach, Engagement, InviteState, LoginSession, Role, SetupLink
from rooms.seats import SeatHolder, SeatState


class AccountStore(Protocol):
    async def create_coach(
        self, *, email: str, display_name: str, password_hash: str, now: float
    ) -> Coach:
        """Raises Conflict when the e-mail address is taken."""
        ...

    async def coach_by_email(self, email: str) -> Coach | None: ...

    async def coach_by_id(self, coach_id: str) -> Coach | None: ...

    async def count_coaches(self) -> int: ...

    async def create_setup_link(self, token_digest: str, link: SetupLink) -> None: ...

    async def peek_setup_link(self, token_digest: str, now: float) -> SetupLink | None: ...

    async def consume_setup_link(self, token_digest: str, now: float) -> SetupLink | None:
        """Returns the link once; every later or concurrent call gets None."""
        ...

    async def create_login_session(self, token_digest: str, session: LoginSession) -> None: ...

    async def login_session(self, token_digest: str, now: float) -> LoginSession | None: ...

    async def delete_login_session(self, token_digest: str) -> None: ...

    async def note_login_failure(self, key: str, now: float, window: float) -> int:
        """Records one failure and returns how many fell within the last `window` seconds."""
        ...

    async def count_login_failures(self, key: str, now: float, window: float) -> int: ...

    async def clear_login_failures(self, key: str) -> None: ...


class EngagementStore(Protocol):
    async def create_engagement(self, engagement: Engagement) -> None: ...

    async def engagement(self, engagement_id: str) -> Engagement | None: ...

    async def engagements_of(self, coach_id: str) -> list[Engagement]:
        """Newest first."""
        ...

    async def invite_lookup(self, token: str) -> tuple[Engagement, InviteState] | None:
        """Finds the engagement a current or former invite token belongs to."""
        ...

    async def replace_invite(self, engagement_id: str, new_token: str) -> Engagement:
        """Revokes every earlier token and makes `new_token` the active one."""
        ...

    async def revoke_invite(self, engagement_id: str) -> Engagement: ...


class SeatStore(Protocol):
    async def claim_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool
    ) -> SeatHolder | None:
        """Applies rooms.seats.claim atomically; returns the replaced holder, if any.
        Raises RoomFull when the seat is someone else's."""
        ...

    async def set_seat_state(
        self, engagement_id: str, role: Role, sid: str, state: SeatState
    ) -> bool:
        """Only while `sid` still holds the seat; False when it no longer does."""
        ...

    async def release_seat(self, engagement_id: str, role: Role, sid: str) -> bool:
        """Frees the seat only if `sid` still holds it (a replaced socket frees nothing)."""
        ...

    async def seats(self, engagement_id: str) -> dict[Role, SeatHolder]: ...

    async def clear_seats(self) -> None:
        """At start-up of a single-process backend: nobody is connected yet."""
        ...


class CallStore(Protocol):
    async def open_call(self, engagement_id: str, kind: CallKind, now: float) -> CallRecord | None:
        """Starts a call unless one is open; returns it, or None when one was open."""
        ...

    async def close_call(self, engagement_id: str, now: float) -> CallRecord | None:
        """Ends the open call, if any, and returns it."""
        ...

    async def calls_of(self, engagement_id: str) -> list[CallRecord]:
        """Oldest first."""
        ...


class Store(AccountStore, EngagementStore, SeatStore, CallStore, Protocol):
    """The whole storage surface the app depends on."""

    async def ping(self) -> None:
        """Raises StoreUnavailable when the backend cannot serve requests."""
        ...

    async def close(self) -> None: ...
