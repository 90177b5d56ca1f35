"""Whose seat it is: device proof, and who is asked before another device takes a seat.

The client's seat belongs to the person, not to whoever holds the invite link (issue 12).
A browser proves it has held a seat with a *seat token*: an HMAC, under the deployment's
seat key (kept in the store, so every process shares it), over the engagement, the role
and the browser's random device key. The server hands it out with every join that takes
the seat; the page keeps it beside its device key and presents both on join. No account,
no list of devices: any process checks a token with the key alone.

When a join asks to take the client's seat from a device that holds no token for it
(`takeover` from another browser, e.g. a forwarded link), the seat is not taken. Instead
someone is asked (`asked`): the coach when the coach is in the room, otherwise the seated
person's own page; nobody when neither can answer (the holder's connection dropped and the
coach is away): then the join is refused until the holder is back or their reconnect
grace ends and the seat is free. An admission is a *grant*: an HMAC over the request,
which the newcomer's page presents on its next join. The coach's seat is the coach's
login: a coach moving to another device takes it over with `takeover`, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from enum import StrEnum

from rooms.models import Role
from rooms.seats import SeatHolder, SeatState

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
REQUEST = re.compile(r"^[A-Za-z0-9_-]{22}$")


class Asked(StrEnum):
    """Who decides a request to take the client's seat from another device."""

    COACH = "coach"
    CLIENT = "client"  # the seated person's own page: "Is this you on another device?"


class ReplacedReason(StrEnum):
    """Why a seat was taken from a socket (`replaced` {reason}, docs/protocol.md)."""

    SAME_BROWSER = "same-browser"  # a reload or another tab of this browser
    OTHER_DEVICE = "other-device"  # the same person's other device (it held the seat before)
    ADMITTED = "admitted"  # the coach let another device in
    CONFIRMED = "confirmed"  # the seated person said the other device was theirs


def _mac(key: bytes, *parts: str) -> str:
    digest = hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class SeatKeys:
    """Seat tokens and admission grants under one key (the store's `seat_key`)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def token(self, engagement_id: str, role: Role, device: str) -> str:
        return _mac(self._key, "seat", engagement_id, role.value, device)

    def knows(self, engagement_id: str, role: Role, device: str, token: str | None) -> bool:
        """Whether the browser with `device` was given this seat's token before."""
        if token is None:
            return False
        return hmac.compare_digest(self.token(engagement_id, role, device), token)

    def grant(self, engagement_id: str, request: str) -> str:
        return _mac(self._key, "grant", engagement_id, request)

    def granted(self, engagement_id: str, request: str | None, grant: str | None) -> bool:
        if request is None or grant is None:
            return False
        return hmac.compare_digest(self.grant(engagement_id, request), grant)


def new_request() -> str:
    return secrets.token_urlsafe(16)


def may_take_over(role: Role, *, asked: bool, known: bool, granted: bool) -> bool:
    """Whether a join takes its seat from another device (rooms.seats.claim's `takeover`).
    The coach's seat: when asked (the login is the proof). The client's: when asked by a
    browser that held this seat before, or when let in (`granted`)."""
    if role is Role.COACH:
        return asked
    return granted or (asked and known)


def replaced_reason(
    displaced: SeatHolder, holder: SeatHolder, granted: bool, asked: Asked | None
) -> ReplacedReason:
    if displaced.device == holder.device:
        return ReplacedReason.SAME_BROWSER
    if granted:
        return ReplacedReason.ADMITTED if asked is Asked.COACH else ReplacedReason.CONFIRMED
    return ReplacedReason.OTHER_DEVICE


def who_decides(seats: dict[Role, SeatHolder]) -> Asked | None:
    """For a request to take the client's seat: the coach if present, else the seated
    person if connected, else nobody (None)."""
    coach, holder = seats.get(Role.COACH), seats.get(Role.CLIENT)
    if coach is not None and coach.state is SeatState.HERE:
        return Asked.COACH
    if holder is not None and holder.state is SeatState.HERE:
        return Asked.CLIENT
    return None


# Browser and system names as people know them, first match wins (User-Agent strings
# name several engines: Edge says Chrome and Safari too, Chrome says Safari).
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Chromium", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "Mac"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def browser_words(user_agent: str) -> tuple[str, str]:
    """("Firefox", "Android"): names, not sentences; "" for what cannot be told."""
    agent = user_agent[:512]
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    return browser, system
