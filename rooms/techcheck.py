"""The tech check's readiness report: what the browser measured, and what we conclude.

The browser reports each step's outcome and the network figures it measured against the
echo peer; the verdict (ready / ready with advice / not ready) is always computed here,
so a page cannot claim "ready" for a client who is not, and the coach's dashboard and
the client's page agree. The thresholds are in one table (`THRESHOLDS`), sent to the page
too so its live hints use the same numbers, and documented in docs/techcheck.md.

Reports are untrusted input from a client who is not yet anyone we trust: every field is
parsed with a cap, unknown fields are refused, and numbers must be finite and in range.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rooms.errors import InvalidInput
from rooms.models import Role


class Step(StrEnum):
    BROWSER = "browser"
    CAMERA = "camera"
    MICROPHONE = "microphone"
    SPEAKERS = "speakers"
    NETWORK = "network"


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    ATTENTION = "attention"  # works, with something the person can improve
    FAIL = "fail"
    SKIPPED = "skipped"  # the person did not get to this step


class Readiness(StrEnum):
    READY = "ready"
    ADVICE = "ready-with-advice"
    NOT_READY = "not-ready"


class IcePath(StrEnum):
    DIRECT = "direct"  # host candidates: same network, or no NAT in the way
    STUN = "stun"  # through NAT, found with STUN (server-reflexive / peer-reflexive)
    RELAY = "relay"  # through our TURN server: works, costs us bandwidth, adds delay
    UNKNOWN = "unknown"


# Steps without which a session cannot happen: a person who cannot run WebRTC, be heard,
# hear, or connect is not ready. A missing camera still allows an audio-only session.
ESSENTIAL = frozenset({Step.BROWSER, Step.MICROPHONE, Step.SPEAKERS, Step.NETWORK})

# figure -> (advice beyond, not ready beyond); "higher is worse" unless listed in LOW_IS_BAD.
# Sources: ITU-T G.114 (one-way delay up to 150 ms is fine, 400 ms the limit for
# conversation, so round trips of 300 / 1000 ms). Bitrates are what the browser chose to
# send during a few seconds of test, and browsers start a call at ~300 kbps and ramp up
# from there, so they are a floor, not the line's capacity: below 150 kbps video turns
# blurry, below 50 kbps only sound (Opus needs ~20-40 kbps) is realistic.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "rtt_ms": (300.0, 1000.0),
    "jitter_ms": (30.0, 100.0),
    "packet_loss_pct": (2.0, 10.0),
    "bitrate_up_kbps": (150.0, 50.0),
    "bitrate_down_kbps": (150.0, 50.0),
}
LOW_IS_BAD = frozenset({"bitrate_up_kbps", "bitrate_down_kbps"})
FIGURE_RANGES: dict[str, float] = {
    "rtt_ms": 60_000.0,
    "jitter_ms": 60_000.0,
    "packet_loss_pct": 100.0,
    "bitrate_up_kbps": 1_000_000.0,
    "bitrate_down_kbps": 1_000_000.0,
}
MAX_BROWSER = 80
TECHCHECKS_KEPT = 20  # reports stored per engagement; every backend prunes to this
MAX_REPORT_BYTES = 4 * 1024
REPORT_FIELDS = frozenset({"browser", "steps", "network"})
NETWORK_FIELDS = frozenset({*FIGURE_RANGES, "ice_path"})


@dataclass(frozen=True, slots=True)
class Network:
    rtt_ms: float | None = None
    jitter_ms: float | None = None
    packet_loss_pct: float | None = None
    bitrate_up_kbps: float | None = None
    bitrate_down_kbps: float | None = None
    ice_path: IcePath = IcePath.UNKNOWN

    def figures(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in FIGURE_RANGES}

    def to_wire(self) -> dict[str, object]:
        return {**self.figures(), "ice_path": self.ice_path.value}


@dataclass(frozen=True, slots=True)
class Submission:
    """What the browser sends: parsed and capped, not yet judged."""

    browser: str
    steps: dict[Step, Outcome]
    network: Network


@dataclass(frozen=True, slots=True)
class TechCheckReport:
    engagement_id: str
    role: Role  # who ran the check: the coach can test their own side too
    created_at: float
    browser: str
    steps: dict[Step, Outcome]
    network: Network
    readiness: Readiness
    advice: tuple[str, ...]

    def to_wire(self) -> dict[str, object]:
        return {
            "role": self.role.value,
            "created_at": self.created_at,
            "browser": self.browser,
            "steps": {step.value: outcome.value for step, outcome in self.steps.items()},
            "network": self.network.to_wire(),
            "readiness": self.readiness.value,
            "advice": list(self.advice),
        }

    def to_record(self) -> str:
        return json.dumps(self.to_wire())

    @classmethod
    def from_record(cls, engagement_id: str, record: str) -> TechCheckReport:
        data = json.loads(record)
        submission = parse_submission(
            {"browser": data["browser"], "steps": data["steps"], "network": data["network"]}
        )
        return cls(
            engagement_id,
            Role(data["role"]),
            float(data["created_at"]),
            submission.browser,
            submission.steps,
            submission.network,
            Readiness(data["readiness"]),
            tuple(data["advice"]),
        )


def parse_submission(payload: object) -> Submission:
    data = _mapping(payload, "report")
    if len(json.dumps(data, default=str)) > MAX_REPORT_BYTES:
        raise InvalidInput("The report is too large.", field="report")
    _only(data, REPORT_FIELDS, "report")
    browser = data.get("browser", "")
    if not isinstance(browser, str) or len(browser) > MAX_BROWSER:
        raise InvalidInput("Expected a short browser name.", field="browser")
    return Submission(" ".join(browser.split()), _steps(data.get("steps")), _network(data))


def judge(submission: Submission) -> tuple[Readiness, tuple[str, ...]]:
    """The verdict and the advice codes behind it, in step order (docs/techcheck.md)."""
    blocking: list[str] = []
    advice: list[str] = []
    for step in Step:
        outcome = submission.steps[step]
        if outcome is Outcome.PASS:
            continue
        code = f"{step.value}-{outcome.value}"
        essential = step in ESSENTIAL and outcome in (Outcome.FAIL, Outcome.SKIPPED)
        (blocking if essential else advice).append(code)
    if submission.steps[Step.NETWORK] is Outcome.PASS:
        for name, value in submission.network.figures().items():
            grade = grade_figure(name, value)
            if grade is Outcome.FAIL:
                blocking.append(name)
            elif grade is Outcome.ATTENTION:
                advice.append(name)
    if blocking:
        return Readiness.NOT_READY, tuple(blocking + advice)
    return (Readiness.ADVICE if advice else Readiness.READY), tuple(advice)


def grade_figure(name: str, value: float | None) -> Outcome:
    if value is None:
        return Outcome.SKIPPED
    advise, block = THRESHOLDS[name]
    if name in LOW_IS_BAD:
        return (
            Outcome.FAIL if value < block else Outcome.ATTENTION if value < advise else Outcome.PASS
        )
    return Outcome.FAIL if value > block else Outcome.ATTENTION if value > advise else Outcome.PASS


def make_report(
    engagement_id: str, role: Role, now: float, submission: Submission
) -> TechCheckReport:
    readiness, advice = judge(submission)
    return TechCheckReport(
        engagement_id,
        role,
        now,
        submission.browser,
        submission.steps,
        submission.network,
        readiness,
        advice,
    )


def _mapping(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput("Expected an object.", field=field)
    return value


def _only(data: dict[str, Any], allowed: frozenset[str], field: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise InvalidInput("Unknown field in %(field)s.", field=field, params={"field": field})


def _steps(value: object) -> dict[Step, Outcome]:
    data = _mapping(value, "steps")
    _only(data, frozenset(Step), "steps")
    steps: dict[Step, Outcome] = {}
    for step in Step:
        raw = data.get(step.value, Outcome.SKIPPED.value)
        if raw not in set(Outcome):
            raise InvalidInput("Unknown step outcome.", field=step.value)
        steps[step] = Outcome(raw)
    return steps


def _network(data: dict[str, Any]) -> Network:
    raw = _mapping(data.get("network", {}), "network")
    _only(raw, NETWORK_FIELDS, "network")
    figures: dict[str, float | None] = {}
    for name, limit in FIGURE_RANGES.items():
        value = raw.get(name)
        if value is None:
            figures[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput("Expected a number.", field=name)
        if not math.isfinite(value) or not 0 <= value <= limit:
            raise InvalidInput("The number is out of range.", field=name)
        figures[name] = round(float(value), 1)
    path = raw.get("ice_path", IcePath.UNKNOWN.value)
    if path not in set(IcePath):
        raise InvalidInput("Unknown connection path.", field="ice_path")
    return Network(**figures, ice_path=IcePath(path))
