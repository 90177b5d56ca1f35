"""One parser per client event: an untrusted payload becomes a typed value or InvalidInput.

Sizes follow what browsers produce with room to spare: an SDP is a few KB (64 KB cap), a
trickled ICE candidate a few hundred bytes (2 KB cap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from rooms.admission import REQUEST, TOKEN
from rooms.errors import InvalidInput
from rooms.seats import DEVICE_KEY, parse_key
from rooms.sessions.records import MediaPath, QualityLevel

MAX_SDP = 64 * 1024
MAX_CANDIDATE = 2 * 1024
DESCRIPTION_TYPES = ("offer", "answer", "rollback", "pranswer")


def _mapping(payload: object) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidInput("Expected an object.")
    return payload


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInput("Expected true or false.", field=key)
    return value


class LeaveRequest:
    """`leave` takes `{}` (or nothing): anything else is refused, so a garbled packet
    never gives up the seat."""

    @staticmethod
    def parse(payload: object) -> None:
        if payload is None:
            return
        if _mapping(payload):
            raise InvalidInput("Too many fields.")


def _optional(data: dict[str, Any], key: str, shape: re.Pattern[str]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not shape.match(value):
        raise InvalidInput("This value is not one the server gave out.", field=key)
    return value


@dataclass(frozen=True, slots=True)
class JoinRequest:
    device: str
    session: str
    takeover: bool
    practice: bool
    # The seat token this browser was given for this seat, and a grant to take the seat
    # from another device (rooms/admission.py); both optional.
    token: str | None = None
    grant: str | None = None

    @classmethod
    def parse(cls, payload: object) -> JoinRequest:
        data = _mapping(payload)
        device = parse_key(data.get("device"), "device")
        session = parse_key(data.get("session", device), "session")
        return cls(
            device,
            session,
            _flag(data, "takeover"),
            _flag(data, "practice"),
            _optional(data, "token", TOKEN),
            _optional(data, "grant", TOKEN),
        )


@dataclass(frozen=True, slots=True)
class AdmitDecision:
    """`admit`: the coach's (or the seated person's) answer to an `admission-request`."""

    request: str
    admit: bool

    @classmethod
    def parse(cls, payload: object) -> AdmitDecision:
        data = _mapping(payload)
        unknown = set(data) - {"request", "admit"}
        if unknown:
            raise InvalidInput("Unknown field.", field=sorted(unknown)[0])
        request = data.get("request")
        if not isinstance(request, str) or not REQUEST.match(request):
            raise InvalidInput("A request id is required.", field="request")
        if not isinstance(data.get("admit"), bool):
            raise InvalidInput("Expected true or false.", field="admit")
        return cls(request, data["admit"])


@dataclass(frozen=True, slots=True)
class Description:
    type: str
    sdp: str

    def to_wire(self) -> dict[str, object]:
        return {"description": {"type": self.type, "sdp": self.sdp}}


@dataclass(frozen=True, slots=True)
class Candidate:
    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None
    username_fragment: str | None

    def to_wire(self) -> dict[str, object]:
        return {
            "candidate": {
                "candidate": self.candidate,
                "sdpMid": self.sdp_mid,
                "sdpMLineIndex": self.sdp_mline_index,
                "usernameFragment": self.username_fragment,
            }
        }


@dataclass(frozen=True, slots=True)
class Signal:
    """`to` names the page session the sender is negotiating with, so a message meant for
    a page that has since reloaded is dropped by the page that replaced it."""

    message: Description | Candidate
    to: str | None

    def to_wire(self) -> dict[str, object]:
        return {**self.message.to_wire(), "to": self.to}


class _WireDescription(msgspec.Struct):
    type: Literal["offer", "answer", "rollback", "pranswer"]
    sdp: Annotated[str, msgspec.Meta(max_length=MAX_SDP)] = ""


class _WireCandidate(msgspec.Struct):
    candidate: Annotated[str, msgspec.Meta(max_length=MAX_CANDIDATE)]
    sdpMid: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    sdpMLineIndex: Annotated[int, msgspec.Meta(ge=0, lt=64)] | None = None
    usernameFragment: Annotated[str, msgspec.Meta(max_length=256)] | None = None


class _WireSignal(msgspec.Struct):
    # UNSET, not None: `"description": null` is refused, as the checks below refuse it.
    description: _WireDescription | msgspec.UnsetType = msgspec.UNSET
    candidate: _WireCandidate | msgspec.UnsetType = msgspec.UNSET
    to: Annotated[str, msgspec.Meta(pattern=DEVICE_KEY.pattern)] | None = None


def _fast_signal(payload: object) -> Signal | None:
    """The compiled schema: a well-formed signal (nearly every one) is checked in C. It only
    ever accepts what the checks in `parse_signal` accept, with the same result
    (tests/test_signal_schema.py); anything else, and which error it gets, is left to them."""
    try:
        wire = msgspec.convert(payload, _WireSignal)
    except msgspec.ValidationError:
        return None
    description, candidate = wire.description, wire.candidate
    if isinstance(description, _WireDescription) and candidate is msgspec.UNSET:
        if description.type in ("offer", "answer") and not description.sdp.startswith("v=0"):
            return None
        return Signal(Description(description.type, description.sdp), wire.to)
    if isinstance(candidate, _WireCandidate) and description is msgspec.UNSET:
        message = Candidate(
            candidate.candidate,
            candidate.sdpMid,
            candidate.sdpMLineIndex,
            candidate.usernameFragment,
        )
        return Signal(message, wire.to)
    return None


def parse_signal(payload: object) -> Signal:
    fast = _fast_signal(payload)
    if fast is not None:
        return fast
    data = _mapping(payload)
    if ("description" in data) == ("candidate" in data):
        raise InvalidInput("Send exactly one of description or candidate.")
    to = parse_key(data["to"], "to") if data.get("to") is not None else None
    if "description" in data:
        return Signal(_description(_mapping(data["description"])), to)
    return Signal(_candidate(_mapping(data["candidate"])), to)


def _description(data: dict[str, Any]) -> Description:
    kind, sdp = data.get("type"), data.get("sdp", "")
    if kind not in DESCRIPTION_TYPES:
        raise InvalidInput("Unknown description type.", field="type")
    if not isinstance(sdp, str):
        raise InvalidInput("Expected text.", field="sdp")
    if len(sdp) > MAX_SDP:
        raise InvalidInput("The session description is too large.", field="sdp")
    if kind in ("offer", "answer") and not sdp.startswith("v=0"):
        raise InvalidInput("This is not a session description.", field="sdp")
    return Description(kind, sdp)


def _optional_text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput("Expected short text.", field=key)
    return value


def _candidate(data: dict[str, Any]) -> Candidate:
    text = data.get("candidate")
    if not isinstance(text, str):
        raise InvalidInput("Expected text.", field="candidate")
    if len(text) > MAX_CANDIDATE:
        raise InvalidInput("The ICE candidate is too large.", field="candidate")
    index = data.get("sdpMLineIndex")
    if index is not None and (
        isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 64
    ):
        raise InvalidInput("Expected a small number.", field="sdpMLineIndex")
    return Candidate(
        text,
        _optional_text(data, "sdpMid", 64),
        index,
        _optional_text(data, "usernameFragment", 256),
    )


MAX_SETUP_MS = 600_000


@dataclass(frozen=True, slots=True)
class CallConnected:
    """The page's report that its peer connection is up, with how long that took."""

    setup_ms: int

    @classmethod
    def parse(cls, payload: object) -> CallConnected:
        value = _mapping(payload).get("setup_ms")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SETUP_MS:
            raise InvalidInput(
                "Expected a whole number from 0 to %(max)s.",
                field="setup_ms",
                params={"max": MAX_SETUP_MS},
            )
        return cls(value)


@dataclass(frozen=True, slots=True)
class MediaState:
    audio: bool
    video: bool
    screen: bool

    @classmethod
    def parse(cls, payload: object) -> MediaState:
        data = _mapping(payload)
        return cls(_flag(data, "audio"), _flag(data, "video"), _flag(data, "screen"))

    def to_wire(self) -> dict[str, bool]:
        return {"audio": self.audio, "video": self.video, "screen": self.screen}


@dataclass(frozen=True, slots=True)
class CallReading:
    """`call_report`: {"path": "direct"|"relay"|"unknown", "quality": "good"|"fair"|"poor"|null}."""

    path: MediaPath
    quality: QualityLevel | None

    @classmethod
    def parse(cls, payload: object) -> CallReading:
        data = _mapping(payload)
        if set(data) - {"path", "quality"}:
            raise InvalidInput("Unknown field.", field="call_report")
        path, quality = data.get("path", "unknown"), data.get("quality")
        if path not in tuple(MediaPath):
            raise InvalidInput("Expected direct, relay or unknown.", field="path")
        if quality is not None and quality not in tuple(QualityLevel):
            raise InvalidInput("Expected good, fair or poor.", field="quality")
        return cls(MediaPath(path), QualityLevel(quality) if quality is not None else None)
