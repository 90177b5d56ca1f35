"""What a connected socket's right to stay rests on, and how ending that right is asked for.

Authentication happens once, at connect (signaling/identity.py). So that "revoked" means
gone now and not at the next reconnect, every socket records the credential it was
admitted with, and whatever ends a credential (rotating or revoking an invite, logging
out, a password reset, an erasure) calls a `Revoke` that the app factory builds once; it
disconnects every socket holding that credential on every namespace and every process
(signaling/revocation.py, docs/protocol.md "Revoked").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from rooms.tokens import digest


class RevokeReason(StrEnum):
    """Sent to the page in the `revoked` event, which shows a sentence for each."""

    INVITE_ROTATED = "invite-rotated"
    INVITE_REVOKED = "invite-revoked"
    LOGGED_OUT = "logged-out"
    SESSION_EXPIRED = "session-expired"
    PASSWORD_CHANGED = "password-changed"  # noqa: S105 (a reason, not a password)


def invite_credential(token: str) -> str:
    """A client socket's: the invite token it connected with, as a digest (never the token)."""
    return f"invite:{digest(token)}"


def login_credential(token: str) -> str:
    """A coach socket's: the login session (the cookie's token, as a digest)."""
    return f"login:{digest(token)}"


def coach_credential(coach_id: str) -> str:
    """Every login session of one coach at once (a password reset ends them all)."""
    return f"coach:{coach_id}"


class Revoke(Protocol):
    async def __call__(self, credential: str, reason: RevokeReason) -> None: ...


async def revoke_nothing(credential: str, reason: RevokeReason) -> None:
    """For a service used where nobody is connected (a test of the domain alone)."""
