"""Test helpers for the /board namespace: connect, and a mirror that folds applied records
in version order exactly as a browser does."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from rooms.board.ops import apply, parse_op
from rooms.models import Role
from server.keys import BOARDS, STORE
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


async def fill_board(app: web.Application, pair: Pair) -> None:
    """A board as it looks a few sessions in: goals with steps, homework, agreement."""
    engagement = await app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    ops: list[tuple[Role, dict[str, object]]] = [
        (
            Role.COACH,
            {
                "type": "set",
                "section": "agreement",
                "field": "program_goals",
                "value": "Back to work in logistics within six months.",
            },
        ),
        (
            Role.CLIENT,
            {"type": "set", "section": "agreement", "field": "confidentiality_ack", "value": True},
        ),
        (
            Role.COACH,
            {
                "type": "add",
                "collection": "goals",
                "id": "goal-one",
                "fields": {
                    "title": "Find a job in logistics",
                    "progress": 40,
                    "target_date": "2027-03-01",
                },
            },
        ),
        (
            Role.COACH,
            {
                "type": "add",
                "collection": "goals",
                "id": "step-one",
                "fields": {
                    "title": "Update the CV with the warehouse years",
                    "parent": "goal-one",
                    "progress": 100,
                },
            },
        ),
        (
            Role.COACH,
            {
                "type": "add",
                "collection": "homework",
                "id": "hw-one",
                "fields": {"text": "Call two employers", "goal": "goal-one"},
            },
        ),
        (
            Role.CLIENT,
            {
                "type": "add",
                "collection": "homework",
                "id": "hw-two",
                "fields": {"text": "Ask Ola about forklift courses", "due": "2027-01-10"},
            },
        ),
        (
            Role.CLIENT,
            {
                "type": "add",
                "collection": "notes",
                "id": "note-one",
                "fields": {"text": "Mornings are best for me."},
            },
        ),
    ]
    for number, (role, op) in enumerate(ops):
        await app[BOARDS].apply(engagement, role, f"fill-{number:04d}", op)
