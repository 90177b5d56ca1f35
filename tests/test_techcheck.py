"""The readiness report: parsing with caps, the server-side verdict, and its storage
contract (parametrised by backend, like tests/test_store_contract.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rooms.errors import InvalidInput, NotFound
from rooms.models import Role
from rooms.store import Store, open_store
from rooms.store.sqlite.techchecks import TECHCHECKS_KEPT
from rooms.techcheck import (
    IcePath,
    Outcome,
    Readiness,
    Step,
    TechCheckReport,
    judge,
    make_report,
    parse_submission,
)
from tests.redis_server import BACKENDS, backend_url
from tests.test_store_contract import coach_id, engagement

GOOD_NETWORK = {
    "rtt_ms": 40,
    "jitter_ms": 5,
    "packet_loss_pct": 0,
    "bitrate_up_kbps": 900,
    "bitrate_down_kbps": 850,
    "ice_path": "direct",
}


def submission(**changes: Any) -> dict[str, Any]:
    steps = {step.value: "pass" for step in Step}
    steps.update(changes.pop("steps", {}))
    network = {**GOOD_NETWORK, **changes.pop("network", {})}
    return {"browser": "Chrome 120", "steps": steps, "network": network, **changes}


def verdict(**changes: Any) -> tuple[Readiness, tuple[str, ...]]:
    return judge(parse_submission(submission(**changes)))


def test_all_steps_passing_with_good_figures_is_ready() -> None:
    assert verdict() == (Readiness.READY, ())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"steps": {"camera": "fail"}}, (Readiness.ADVICE, ("camera-fail",))),
        ({"steps": {"microphone": "attention"}}, (Readiness.ADVICE, ("microphone-attention",))),
        ({"network": {"rtt_ms": 450}}, (Readiness.ADVICE, ("rtt_ms",))),
        ({"network": {"jitter_ms": 31}}, (Readiness.ADVICE, ("jitter_ms",))),
        ({"network": {"bitrate_up_kbps": 120}}, (Readiness.ADVICE, ("bitrate_up_kbps",))),
        ({"network": {"packet_loss_pct": 12}}, (Readiness.NOT_READY, ("packet_loss_pct",))),
        ({"network": {"bitrate_down_kbps": 30}}, (Readiness.NOT_READY, ("bitrate_down_kbps",))),
        ({"steps": {"speakers": "fail"}}, (Readiness.NOT_READY, ("speakers-fail",))),
        ({"steps": {"browser": "fail"}}, (Readiness.NOT_READY, ("browser-fail",))),
        ({"steps": {"network": "skipped"}}, (Readiness.NOT_READY, ("network-skipped",))),
        (
            {"steps": {"network": "fail", "camera": "attention"}, "network": {"rtt_ms": 5000}},
            (Readiness.NOT_READY, ("network-fail", "camera-attention")),  # figures ignored
        ),
    ],
)
def test_verdict_follows_the_documented_rules(
    changes: dict[str, Any], expected: tuple[Readiness, tuple[str, ...]]
) -> None:
    assert verdict(**changes) == expected


def test_boundaries_are_inclusive_of_the_good_side() -> None:
    assert verdict(network={"rtt_ms": 300, "bitrate_up_kbps": 150}) == (Readiness.READY, ())
    assert verdict(network={"rtt_ms": 1000})[0] is Readiness.ADVICE
    assert verdict(network={"rtt_ms": 1000.1})[0] is Readiness.NOT_READY


def test_missing_steps_count_as_skipped_and_missing_figures_are_not_graded() -> None:
    parsed = parse_submission({"browser": "Firefox", "steps": {"browser": "pass"}})
    assert parsed.steps[Step.CAMERA] is Outcome.SKIPPED
    assert parsed.network.ice_path is IcePath.UNKNOWN and parsed.network.rtt_ms is None
    readiness, advice = judge(parsed)
    assert readiness is Readiness.NOT_READY and "network-skipped" in advice


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "ready",
        submission(engagement="someone-else"),
        submission(browser="x" * 81),
        submission(browser=7),
        submission(steps={"camera": "great"}),
        submission(steps={"teleport": "pass"}),
        submission(network={"rtt_ms": -1}),
        submission(network={"rtt_ms": float("nan")}),
        submission(network={"rtt_ms": float("inf")}),
        submission(network={"rtt_ms": True}),
        submission(network={"rtt_ms": "40"}),
        submission(network={"packet_loss_pct": 101}),
        submission(network={"ice_path": "pigeon"}),
        submission(network={"extra": 1}),
        {**submission(), "network": []},
        {**submission(), "steps": "pass"},
        {**submission(), "padding": "x" * 5000},
    ],
)
def test_bad_reports_are_refused(payload: object) -> None:
    with pytest.raises(InvalidInput):
        parse_submission(payload)


def test_report_round_trips_through_its_record() -> None:
    report = make_report("e1", Role.CLIENT, 123.0, parse_submission(submission()))
    again = TechCheckReport.from_record("e1", report.to_record())
    assert again == report
    wire = report.to_wire()
    assert wire["readiness"] == "ready" and wire["network"]["ice_path"] == "direct"  # type: ignore[index]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(backend_url(request, request.param, tmp_path))
    yield opened
    await opened.close()


def report_for(engagement_id: str, at: float, role: Role = Role.CLIENT, **changes: Any) -> Any:
    return make_report(engagement_id, role, at, parse_submission(submission(**changes)))


async def test_store_keeps_reports_per_engagement_and_role(store: Store) -> None:
    owner = await coach_id(store)
    first, second = engagement(owner), engagement(owner)
    await store.create_engagement(first)
    await store.create_engagement(second)
    assert await store.latest_techcheck(first.id) is None

    await store.save_techcheck(report_for(first.id, 1.0))
    newest = report_for(first.id, 2.0, steps={"camera": "fail"})
    await store.save_techcheck(newest)
    await store.save_techcheck(report_for(first.id, 3.0, role=Role.COACH))

    assert await store.latest_techcheck(first.id) == newest
    coach_report = await store.latest_techcheck(first.id, Role.COACH)
    assert coach_report is not None and coach_report.created_at == 3.0
    assert [r.created_at for r in await store.techchecks_of(first.id)] == [3.0, 2.0, 1.0]
    assert await store.latest_techcheck(second.id) is None
    assert await store.techchecks_of(second.id) == []


async def test_store_refuses_unknown_engagements_and_prunes_old_reports(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.save_techcheck(report_for("nope", 1.0))
    owner = await coach_id(store)
    one = engagement(owner)
    await store.create_engagement(one)
    for at in range(TECHCHECKS_KEPT + 5):
        await store.save_techcheck(report_for(one.id, float(at)))
    kept = await store.techchecks_of(one.id)
    assert len(kept) == TECHCHECKS_KEPT and kept[0].created_at == TECHCHECKS_KEPT + 4


def test_page_thresholds_mirror_the_server() -> None:
    """techcheck_core.js grades with thresholds it is given; only LOW_IS_BAD is its own."""
    from rooms.techcheck import LOW_IS_BAD

    source = (Path(__file__).parent.parent / "web/static/js/techcheck_core.js").read_text()
    mirrored = re.search(r"const LOW_IS_BAD = new Set\(\[([^\]]*)\]\)", source)
    assert mirrored and set(re.findall(r'"(\w+)"', mirrored.group(1))) == LOW_IS_BAD
