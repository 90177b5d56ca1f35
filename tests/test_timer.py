"""The timer's state machine, readings, warnings, agenda and commands, on a fake clock."""

from __future__ import annotations

import pytest

from rooms.errors import Conflict, Forbidden, InvalidInput
from rooms.models import Role
from rooms.timer import (
    DEFAULT_AGENDA,
    Action,
    Status,
    TimerState,
    WarningKind,
    apply,
    current_phase,
    due_warnings,
    elapsed,
    end,
    extend,
    fresh,
    from_record,
    parse_agenda,
    parse_command,
    pause,
    phases_for,
    remaining,
    require_control,
    resume,
    start,
    summary,
    to_record,
    to_wire,
)
from tests.helpers import FakeClock

MIN = 60


def idle(minutes: int = 60) -> TimerState:
    return fresh(minutes * MIN, phases_for(DEFAULT_AGENDA, minutes * MIN))


def test_default_agenda_fills_an_hour_with_four_phases() -> None:
    phases = phases_for(DEFAULT_AGENDA, 60 * MIN)
    assert [(p.name, p.seconds) for p in phases] == [
        ("Check-in", 5 * MIN),
        ("Review homework", 10 * MIN),
        ("Main work", 35 * MIN),
        ("Wrap-up: homework and next steps", 10 * MIN),
    ]


def test_agenda_is_scaled_to_the_planned_time_without_losing_a_second() -> None:
    agenda = parse_agenda([{"name": "A", "minutes": 1}, {"name": "B", "minutes": 2}])
    phases = phases_for(agenda, 45 * MIN + 1)
    assert sum(p.seconds for p in phases) == 45 * MIN + 1
    assert [p.seconds for p in phases] == [900, 1801]
    assert [p.seconds for p in phases_for(DEFAULT_AGENDA, 90 * MIN)] == [450, 900, 3150, 900]


def test_start_pause_resume_and_end_follow_the_clock(clock: FakeClock) -> None:
    state = start(idle(), clock())
    assert state.status is Status.RUNNING and state.version == 1
    clock.advance(10 * MIN)
    assert remaining(state, clock()) == 50 * MIN
    state = pause(state, clock())
    clock.advance(7 * MIN)
    assert state.status is Status.PAUSED
    assert remaining(state, clock()) == 50 * MIN, "a pause stops the countdown"
    state = resume(state, clock())
    clock.advance(5 * MIN)
    assert elapsed(state, clock()) == 15 * MIN
    state = end(state, clock())
    clock.advance(30 * MIN)
    assert state.status is Status.ENDED and state.version == 4
    assert elapsed(state, clock()) == 15 * MIN, "an ended timer stays where it stopped"


def test_extend_adds_time_to_the_running_phase(clock: FakeClock) -> None:
    state = start(idle(), clock())
    clock.advance(20 * MIN)  # in "Main work" (15..50 min)
    state = extend(state, clock(), 10)
    assert state.extended_seconds == 10 * MIN
    assert remaining(state, clock()) == 50 * MIN
    assert [p.seconds for p in state.phases] == [5 * MIN, 10 * MIN, 45 * MIN, 10 * MIN]
    clock.advance(35 * MIN)
    assert current_phase(state, clock()).name == "Main work"


def test_extend_in_overtime_pays_off_the_overrun_first(clock: FakeClock) -> None:
    state = start(idle(), clock())
    clock.advance(62 * MIN)
    assert remaining(state, clock()) == -2 * MIN
    state = extend(pause(state, clock()), clock(), 5)
    assert remaining(state, clock()) == 3 * MIN
    assert current_phase(state, clock()).index == 3


@pytest.mark.parametrize(
    ("moves", "refused", "message"),
    [
        ([], pause, "The timer has not started yet."),
        ([], resume, "The timer has not started yet."),
        ([], end, "The timer has not started yet."),
        ([start], start, "The timer is already running."),
        ([start], resume, "The timer is already running."),
        ([start, pause], pause, "The timer is already paused."),
        ([start, pause], start, "The timer is already paused."),
        ([start, end], pause, "The session has already ended."),
        ([start, end], end, "The session has already ended."),
        ([start, end], start, "The session has already ended."),
        ([start, end], resume, "The session has already ended."),
        ([start, pause, end], resume, "The session has already ended."),
        ([start, pause, resume], resume, "The timer is already running."),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    clock: FakeClock, moves: list[object], refused: object, message: str
) -> None:
    state = idle()
    for move in moves:
        state = move(state, clock())  # type: ignore[operator]
    before = to_record(state)
    with pytest.raises(Conflict) as caught:
        refused(state, clock())  # type: ignore[operator]
    assert caught.value.message == message
    assert caught.value.to_wire()["error"] == "conflict"
    assert to_record(state) == before


def test_extend_by_nothing_is_invalid_and_changes_nothing(clock: FakeClock) -> None:
    state = start(idle(), clock())
    before = to_record(state)
    with pytest.raises(InvalidInput) as caught:
        extend(state, clock(), 0)
    assert caught.value.field == "minutes"
    assert to_record(state) == before


def test_extend_is_refused_before_start_and_after_end(clock: FakeClock) -> None:
    with pytest.raises(Conflict, match="not started"):
        extend(idle(), clock(), 5)
    with pytest.raises(Conflict, match="ended"):
        extend(end(start(idle(), clock()), clock()), clock(), 5)


def test_phase_boundaries_belong_to_the_next_phase(clock: FakeClock) -> None:
    t0 = clock()
    state = start(idle(), t0)
    assert current_phase(state, t0 + 5 * MIN - 1).index == 0
    assert current_phase(state, t0 + 5 * MIN - 1).seconds_left == 1
    assert current_phase(state, t0 + 5 * MIN).index == 1
    assert current_phase(state, t0 + 5 * MIN).seconds_left == 10 * MIN
    assert current_phase(state, t0 + 50 * MIN).name == "Wrap-up: homework and next steps"
    overtime = current_phase(state, t0 + 61 * MIN)
    assert (overtime.index, overtime.seconds_left) == (3, -1 * MIN)


def test_an_idle_timer_shows_the_full_plan(clock: FakeClock) -> None:
    state = idle(90)
    assert remaining(state, clock()) == 90 * MIN
    assert current_phase(state, clock()).seconds_left == 7.5 * MIN
    assert due_warnings(state, clock(), clock() + 2 * 3600) == []


def test_each_warning_fires_exactly_once_across_successive_polls(clock: FakeClock) -> None:
    state = start(idle(), clock())
    seen: list[tuple[str, object]] = []
    previous = clock()
    for _ in range(70 * 60 // 7):  # poll every 7 s for 70 minutes
        clock.advance(7)
        for warning in due_warnings(state, previous, clock()):
            detail = warning.phase_name if warning.kind is WarningKind.PHASE_ENDED else None
            seen.append((warning.kind.value, detail or warning.minutes_left))
        previous = clock()
    assert seen == [
        ("phase-ended", "Check-in"),
        ("phase-ended", "Review homework"),
        ("phase-ended", "Main work"),
        ("minutes-left", 10),
        ("minutes-left", 5),
        ("overtime", None),
    ]


def test_warnings_come_due_exactly_at_their_moment(clock: FakeClock) -> None:
    t0 = clock()
    state = start(idle(), t0)
    due = due_warnings(state, t0 + 50 * MIN - 1, t0 + 50 * MIN)
    assert [(w.kind, w.minutes_left) for w in due] == [
        (WarningKind.PHASE_ENDED, None),
        (WarningKind.MINUTES_LEFT, 10),
    ]
    assert due_warnings(state, t0 + 50 * MIN, t0 + 55 * MIN - 1) == []
    assert [w.kind for w in due_warnings(state, t0 + 59 * MIN, t0 + 60 * MIN)] == [
        WarningKind.OVERTIME
    ]


def test_no_warning_during_a_pause_and_none_missed_after_it(clock: FakeClock) -> None:
    t0 = clock()
    paused = pause(start(idle(), t0), t0 + 4 * MIN)
    assert due_warnings(paused, t0 + 4 * MIN, t0 + 30 * MIN) == []
    resumed = resume(paused, t0 + 30 * MIN)
    assert due_warnings(resumed, t0 + 30 * MIN, t0 + 30 * MIN + 59) == []
    assert [w.phase_name for w in due_warnings(resumed, t0 + 30 * MIN, t0 + 31 * MIN)] == [
        "Check-in"
    ]


def test_an_earlier_now_never_rewinds_the_timer(clock: FakeClock) -> None:
    """Two server processes may disagree slightly about the time."""
    t0 = clock()
    paused = pause(start(idle(), t0), t0 + 10 * MIN)
    resumed = resume(paused, t0 + 10 * MIN - 3)  # this process's clock is 3 s behind
    assert resumed.paused_total == 0
    assert elapsed(resumed, t0 + 5 * MIN) == 10 * MIN


def test_summary_gives_wall_and_active_time(clock: FakeClock) -> None:
    t0 = clock()
    state = pause(start(idle(45), t0), t0 + 40 * MIN)
    state = resume(state, t0 + 45 * MIN)
    state = extend(state, t0 + 46 * MIN, 5)
    state = pause(state, t0 + 52 * MIN)
    state = end(state, t0 + 55 * MIN)
    log = summary(state)
    assert log.wall_seconds == 55 * MIN
    assert log.paused_seconds == 8 * MIN
    assert log.active_seconds == 47 * MIN
    assert (log.planned_seconds, log.extended_seconds, log.overtime_seconds) == (2700, 300, 0)
    with pytest.raises(Conflict):
        summary(start(idle(), t0))


def test_wire_snapshot_carries_timestamps_and_server_now(clock: FakeClock) -> None:
    t0 = clock()
    state = start(idle(), t0)
    wire = to_wire(state, t0 + 6 * MIN)
    assert wire["status"] == "running"
    assert wire["server_now"] == t0 + 6 * MIN
    assert wire["started_at"] == t0
    assert wire["remaining"] == 54 * MIN
    assert wire["phase"] == {"index": 1, "name": "Review homework", "seconds_left": 9 * MIN}
    assert wire["summary"] is None
    assert from_record(wire) == state
    ended = to_wire(end(state, t0 + 61 * MIN), t0 + 70 * MIN)
    assert ended["summary"]["overtime_seconds"] == MIN  # type: ignore[index]


@pytest.mark.parametrize(
    "raw",
    [
        [],
        [{"name": f"P{i}", "minutes": 5} for i in range(9)],
        [{"name": "x" * 61, "minutes": 5}],
        [{"name": "   ", "minutes": 5}],
        [{"name": "A", "minutes": 0}],
        [{"name": "A", "minutes": -5}],
        [{"name": "A", "minutes": 2.5}],
        [{"name": "A", "minutes": True}],
        [{"name": "A", "minutes": "10"}],
        [{"name": "A", "minutes": 241}],
        ["Check-in"],
        {"name": "A", "minutes": 5},
        None,
    ],
)
def test_bad_agendas_are_refused(raw: object) -> None:
    with pytest.raises(InvalidInput):
        parse_agenda(raw)


def test_a_valid_custom_agenda_is_cleaned() -> None:
    agenda = parse_agenda([{"name": " Intro\x07 ", "minutes": 10}] * 8)
    assert len(agenda.items) == 8 and agenda.items[0].name == "Intro"
    assert agenda.to_wire()[0] == {"name": "Intro", "minutes": 10}


def test_an_agenda_too_lopsided_for_the_planned_time_is_refused() -> None:
    agenda = parse_agenda([{"name": "A", "minutes": 1}, {"name": "B", "minutes": 240}])
    with pytest.raises(InvalidInput, match="at least a minute"):
        phases_for(agenda, 45 * MIN)


@pytest.mark.parametrize(
    ("raw", "action", "minutes"),
    [
        ({"action": "start"}, Action.START, None),
        ({"action": "pause"}, Action.PAUSE, None),
        ({"action": "resume", "minutes": None}, Action.RESUME, None),
        ({"action": "extend", "minutes": 5}, Action.EXTEND, 5),
        ({"action": "extend", "minutes": 10}, Action.EXTEND, 10),
        ({"action": "end"}, Action.END, None),
    ],
)
def test_commands_parse(raw: object, action: Action, minutes: int | None) -> None:
    command = parse_command(raw)
    assert (command.action, command.minutes, command.version) == (action, minutes, None)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (None, "command"),
        (["start"], "command"),
        ({}, "action"),
        ({"action": "restart"}, "action"),
        ({"action": "extend"}, "minutes"),
        ({"action": "extend", "minutes": 7}, "minutes"),
        ({"action": "extend", "minutes": True}, "minutes"),
        ({"action": "pause", "minutes": 5}, "minutes"),
        ({"action": "end", "version": "3"}, "version"),
        ({"action": "end", "version": -1}, "version"),
    ],
)
def test_bad_commands_are_refused_naming_the_field(raw: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_command(raw)
    assert caught.value.field == field


def test_commands_apply_to_the_state(clock: FakeClock) -> None:
    state = apply(idle(), parse_command({"action": "start"}), clock())
    state = apply(state, parse_command({"action": "extend", "minutes": 5}), clock())
    assert state.status is Status.RUNNING and state.extended_seconds == 5 * MIN


def test_only_the_coach_controls_the_timer() -> None:
    require_control(Role.COACH)
    with pytest.raises(Forbidden) as caught:
        require_control(Role.CLIENT)
    assert caught.value.to_wire()["error"] == "forbidden"
