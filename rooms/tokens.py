"""Identifiers and secrets.

Invite links and session cookies are bearer capabilities, so they come from the OS CSPRNG
with 256 bits; only their SHA-256 digest is used as a lookup key where the plain value need
not be shown again (login sessions, setup links).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_id() -> str:
    """Short, unguessable record id; ids are never the only access check."""
    return secrets.token_hex(8)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
