"""Smoke test for bench/: it imports, parses its arguments and plans its runs. No timing here:
benchmarks run on demand with `python -m bench`, never in the test suite."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench import board, cli, goals, loadgen, relay
from bench.results import table
from signaling.board import RATE as BOARD_RATE

JS = Path(__file__).resolve().parent.parent / "bench" / "js"


def test_the_runner_parses_its_scenarios() -> None:
    args = cli.build_parser().parse_args(["relay", "joins", "--quick", "--targets", "tandem"])
    assert args.scenario == ["relay", "joins"] and args.quick and args.targets == "tandem"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["nonsense"])


def test_the_engagement_pool_covers_every_generator_run_on_one_server() -> None:
    assert loadgen.rooms_needed({"mode": "connrate", "clients": "1000", "repeat": "3"}) == 1500
    assert loadgen.rooms_needed({"mode": "memory", "clients": "5000"}) == 2500
    assert relay.pool_for(relay.idle_sessions(quick=False)) >= 2500
    full = relay.relay_sessions(quick=False)[0]
    assert relay.pool_for([full]) >= sum(loadgen.rooms_needed(m.args) for m in full)


def test_tables_render_missing_values_as_dashes() -> None:
    text = table("t", [("a", "a"), ("b", "b")], [{"a": 1.234}])
    assert "| 1.23 | - |" in text


@pytest.mark.parametrize("name", sorted(p.name for p in JS.glob("*.mjs")))
def test_the_loadgen_adapters_are_valid_modules(name: str) -> None:
    subprocess.run(["node", "--check", str(JS / name)], check=True)


def test_a_full_run_takes_the_slow_measures_only_for_the_goal_targets() -> None:
    (big,) = relay.idle_sessions(quick=False)[1]
    assert big.name == "memory-5000" and "peerjs" not in big.only and "tandem" in big.only
    (small,) = relay.idle_sessions(quick=False)[0]
    assert small.only == ()


def test_the_board_scenario_loads_1000_rooms_under_the_op_throttle_and_feeds_its_goal() -> None:
    full = board.levels(quick=False)
    assert max(level.rooms for level in full) == 1000 and "board" in cli.SCENARIOS
    assert all(level.rate / level.rooms <= BOARD_RATE.per_second for level in full)
    summary = {"p99": 4.0, "rooms": 1000, "measure": "ops-1000rooms-500/s"}
    record = {"scenario": "board", "target": "tandem-sqlite", "measure": "m", "summary": summary}
    assert "| 0.80 | met |" in goals.report([record])
    summary["p99"] = 6.0
    assert "| 1.20 | MISSED |" in goals.report([record])
    redis = {"p99": 2.5, "cpu_us": 450.0, "rooms": 1000, "measure": "ops-1000rooms-500/s"}
    both = [record, {**record, "target": "tandem-redis", "summary": redis}]
    printed = goals.report(both)
    assert "(Redis; 1000 rooms here) | 0.50 | met |" in printed
    assert "board server CPU per op ≤ 300 µs (Redis) | 1.50 | MISSED |" in printed
    assert "board server CPU per op ≤ 300 µs (SQLite) | - | not measured |" in printed


def test_quick_runs_take_both_idle_levels_of_the_goal() -> None:
    names = [m.name for (m,) in relay.idle_sessions(quick=True)]
    assert names == ["memory-1000", "memory-5000"]


def test_the_goals_table_names_every_goal_of_issue_17_and_the_scale_out_ratio() -> None:
    def record(target: str, **summary: float) -> dict[str, object]:
        return {
            "scenario": "scaleout",
            "target": target,
            "measure": "latency-ice-100",
            "summary": summary,
        }

    text = goals.report(
        [record("tandem-2proc-nginx", cpu_us=210.0), record("tandem-1proc", cpu_us=200.0)]
    )
    assert (
        "| 2 processes behind nginx: CPU per relayed message ≤ 1.1× one process | 1.05 | met |"  # noqa: RUF001
        in text
    )
    for goal in (
        "time to media",
        "relay p99",
        "relay CPU per message",
        "max ICE relay",
        "joins per second",
        "RSS per idle client ≤ Node socket.io (1000",
        "RSS per idle client ≤ Node socket.io (5000",
        "Janus",
        "board op p99",
    ):
        assert goal in text, goal
    assert "scaleout" in cli.SCENARIOS
