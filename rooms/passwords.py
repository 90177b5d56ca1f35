"""Password hashing with argon2id; parameters are argon2-cffi's current defaults."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rooms.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()  # stateless and thread-safe: configuration, not state

# Verifying against this keeps the time of "no such coach" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            "Use at least %(min)s characters.", field="password", params={"min": MIN_LENGTH}
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            "Use at most %(max)s characters.", field="password", params={"max": MAX_LENGTH}
        )


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
