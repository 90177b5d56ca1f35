"""Test helpers for the /board namespace: connect, and a mirror that folds applied records
in version order exactly as a browser does."""

from __future__ import annotations

import secrets
from typing import Any

from rooms.board.ops import apply, parse_op
from rooms.models import Role
from signaling.protocol import BOARD_NAMESPACE
from tests.helpers import Pair
from tests.sockets import Recorder


async def board_coach(url: str, pair: Pair) -> Recorder:
    recorder = Recorder(BOARD_NAMESPACE)
    await recorder.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)
    return recorder


async def board_client(url: str, pair: Pair) -> Recorder:
    recorder = Recorder(BOARD_NAMESPACE)
    await recorder.connect(url, {"invite": pair.invite})
    return recorder


def op_id() -> str:
    return secrets.token_urlsafe(12)


def fold(state: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    return apply(state, parse_op(record["op"]), Role(record["role"]), record["at"])


class Mirror:
    """A board kept in step from a join ack, acks of its own ops and `applied` events."""

    def __init__(self, joined: dict[str, Any]) -> None:
        assert joined["ok"] is True, joined
        self.state: dict[str, Any] = joined["snapshot"]
        self.version: int = joined["version"]
        self.waiting: dict[int, dict[str, Any]] = {}

    def take(self, record: dict[str, Any]) -> None:
        if record["version"] > self.version:
            self.waiting[record["version"]] = record
        while self.version + 1 in self.waiting:
            self.state = fold(self.state, self.waiting.pop(self.version + 1))
            self.version += 1
