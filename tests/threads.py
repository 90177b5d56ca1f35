"""Test helpers for the /messages namespace: connect, and a thread kept by seq exactly as
web/static/js/thread_state.js keeps it in the browser."""

from __future__ import annotations

import secrets
from typing import Any

from signaling.protocol import MESSAGES_NAMESPACE
from tests.helpers import Pair
from tests.sockets import Recorder


async def thread_coach(url: str, pair: Pair) -> Recorder:
    recorder = Recorder(MESSAGES_NAMESPACE)
    await recorder.connect(url, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)
    return recorder


async def thread_client(url: str, pair: Pair) -> Recorder:
    recorder = Recorder(MESSAGES_NAMESPACE)
    await recorder.connect(url, {"invite": pair.invite})
    return recorder


def message_id() -> str:
    return secrets.token_urlsafe(12)


class Thread:
    """Messages by seq from join acks, send acks and `message` events. A seq already held
    is dropped (counted in `dropped`); `gap` says a rejoin with `since=last` is due."""

    def __init__(self) -> None:
        self.by_seq: dict[int, dict[str, Any]] = {}
        self.last = 0
        self.dropped = 0

    def joined(self, ack: dict[str, Any]) -> None:
        assert ack["ok"] is True, ack
        if ack["reset"]:
            self.by_seq.clear()
            self.last = ack["messages"][0]["seq"] - 1 if ack["messages"] else 0
        for message in ack["messages"]:
            self.take(message)

    def take(self, message: dict[str, Any]) -> None:
        if message["seq"] <= self.last or message["seq"] in self.by_seq:
            self.dropped += 1
            return
        self.by_seq[message["seq"]] = message
        while self.last + 1 in self.by_seq:
            self.last += 1

    @property
    def gap(self) -> bool:
        return any(seq > self.last for seq in self.by_seq)

    def texts(self) -> list[str]:
        return [self.by_seq[seq]["text"] for seq in sorted(self.by_seq)]
