"""Stored board records: immutable so a cached copy can never drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.models import Role


@dataclass(frozen=True, slots=True)
class BoardRecord:
    """One applied operation: the history entry and the unit of catch-up after a reconnect."""

    version: int
    op_id: str
    role: Role
    at: float
    op: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "op_id": self.op_id,
            "role": self.role.value,
            "at": self.at,
            "op": self.op,
        }


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    version: int
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BoardCommit:
    """`duplicate` is True when the op_id had been applied before (a resend after a lost
    ack); `version` is then the version it got the first time. `closed` is True when the
    program is closed: nothing was stored (version 0)."""

    version: int
    duplicate: bool
    closed: bool = False


@dataclass(frozen=True, slots=True)
class PrivateNote:
    id: str
    text: str
    created_at: float
    updated_at: float

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
