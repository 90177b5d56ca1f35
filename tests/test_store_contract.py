"""The storage contract every backend passes: SQLite, and Redis on a real redis-server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from rooms.agreement import AgreementVersion
from rooms.board.records import BoardCommit, BoardRecord, BoardSnapshot, PrivateNote
from rooms.calls import CallKind
from rooms.errors import Conflict, NotFound, RoomFull
from rooms.lifecycle import ErasureReason, ErasureRecord
from rooms.messages import ThreadState
from rooms.models import (
    Cadence,
    Engagement,
    InviteState,
    Language,
    LinkPurpose,
    LoginSession,
    Role,
    SetupLink,
)
from rooms.notices import Contact, LogEntry, Notice, NoticeKind, Outcome
from rooms.rehearsal import REHEARSALS_KEPT, RehearsalReport, RehearsalStep
from rooms.seats import SeatHolder, SeatState
from rooms.sessions import (
    CallReport,
    MediaPath,
    QualityLevel,
    SessionKind,
    SessionRecord,
    SessionStatus,
)
from rooms.store import Store, open_store
from rooms.store.protocol import BOARD_TURN_SECONDS
from rooms.techcheck import Step, make_report, parse_submission
from rooms.timer import Agenda, AgendaItem
from rooms.timer.agenda import Phase
from rooms.timer.state import fresh
from rooms.tokens import digest, new_id, new_token
from tests.helpers import eventually
from tests.redis_server import BACKENDS, RedisServer, backend_url


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, request.param, tmp_path)


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    opened = await open_store(url)
    yield opened
    await opened.close()


@pytest.fixture
async def second(url: str) -> AsyncIterator[Store]:
    """Another connection to the same data: what a second server process sees."""
    opened = await open_store(url)
    yield opened
    await opened.close()


async def coach_id(store: Store, email: str = "c@example.org") -> str:
    coach = await store.create_coach(email=email, display_name="C", password_hash="h", now=1.0)
    return coach.id


def engagement(owner: str, **changes: object) -> Engagement:
    base = Engagement(
        new_id(),
        owner,
        "Client",
        Language.NB,
        6,
        60,
        Cadence.BIWEEKLY,
        new_token(),
        InviteState.ACTIVE,
        10.0,
    )
    return Engagement(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})  # type: ignore[arg-type]


async def test_coach_emails_are_unique(store: Store) -> None:
    await coach_id(store)
    with pytest.raises(Conflict):
        await coach_id(store)
    assert await store.count_coaches() == 1


async def test_setup_link_is_consumed_exactly_once_under_concurrency(store: Store) -> None:
    await store.create_setup_link("d1", SetupLink(None, expires_at=100.0))
    results = await asyncio.gather(*(store.consume_setup_link("d1", now=1.0) for _ in range(20)))
    assert sum(r is not None for r in results) == 1
    assert await store.peek_setup_link("d1", now=1.0) is None


async def test_setup_links_expire(store: Store) -> None:
    await store.create_setup_link("d2", SetupLink("x@example.org", expires_at=100.0))
    assert await store.peek_setup_link("d2", now=99.0) is not None
    assert await store.consume_setup_link("d2", now=100.0) is None


async def test_a_reset_link_is_not_a_setup_link_and_is_consumed_once(store: Store) -> None:
    reset = SetupLink("x@example.org", expires_at=100.0, purpose=LinkPurpose.RESET)
    await store.create_setup_link("r1", reset)
    assert await store.peek_setup_link("r1", now=1.0) is None  # not as a setup link
    assert await store.consume_setup_link("r1", now=1.0) is None
    assert await store.peek_setup_link("r1", now=1.0, purpose=LinkPurpose.RESET) == reset
    results = await asyncio.gather(
        *(store.consume_setup_link("r1", now=1.0, purpose=LinkPurpose.RESET) for _ in range(10))
    )
    assert [r for r in results if r is not None] == [reset]
    assert await store.peek_setup_link("r1", now=1.0, purpose=LinkPurpose.RESET) is None
    await store.create_setup_link("r2", reset)
    assert await store.consume_setup_link("r2", now=100.0, purpose=LinkPurpose.RESET) is None
    setup = SetupLink(None, expires_at=100.0)
    await store.create_setup_link("s1", setup)
    assert await store.consume_setup_link("s1", now=1.0, purpose=LinkPurpose.RESET) is None
    assert await store.peek_setup_link("s1", now=1.0) == setup


async def test_a_coach_language_is_kept_with_the_account(store: Store) -> None:
    owner = await coach_id(store)
    found = await store.coach_by_id(owner)
    assert found is not None and found.language == ""
    await store.set_coach_language(owner, "nl")
    found = await store.coach_by_id(owner)
    assert found is not None and found.language == "nl"
    await store.set_coach_language("no-such-coach", "sv")
    assert await store.coach_by_id("no-such-coach") is None
    await store.set_coach_mail_off(owner, True)
    found = await store.coach_by_id(owner)
    assert found is not None and found.mail_off and found.language == "nl"
    await store.set_coach_mail_off(owner, False)
    found = await store.coach_by_id(owner)
    assert found is not None and not found.mail_off
    await store.set_coach_mail_off("no-such-coach", True)
    assert await store.coach_by_id("no-such-coach") is None


async def test_login_sessions_expire_and_delete(store: Store) -> None:
    owner = await coach_id(store)
    await store.create_login_session("s", LoginSession(owner, "csrf", expires_at=50.0))
    assert await store.login_session("s", now=49.0) == LoginSession(owner, "csrf", 50.0)
    assert await store.login_session("s", now=50.0) is None
    await store.delete_login_session("s")
    assert await store.login_session("s", now=1.0) is None


async def test_login_failures_count_within_the_window(store: Store) -> None:
    counts = [await store.note_login_failure("k", now=t, window=10.0) for t in (1.0, 2.0, 3.0)]
    assert counts == [1, 2, 3]
    assert await store.count_login_failures("k", now=12.5, window=10.0) == 1
    await store.clear_login_failures("k")
    assert await store.count_login_failures("k", now=3.0, window=10.0) == 0


async def test_a_short_window_does_not_drop_another_keys_failures(store: Store) -> None:
    await store.note_login_failure("long", now=1.0, window=3600.0)
    await store.note_login_failure("short", now=100.0, window=10.0)
    assert await store.count_login_failures("long", now=100.0, window=3600.0) == 1
    assert await store.note_login_failure("short", now=200.0, window=10.0) == 1


async def test_engagements_are_listed_per_coach_newest_first(store: Store) -> None:
    a, b = await coach_id(store, "a@example.org"), await coach_id(store, "b@example.org")
    older, newer = engagement(a, created_at=1.0), engagement(a, created_at=2.0)
    for item in (older, newer, engagement(b)):
        await store.create_engagement(item)
    assert [e.id for e in await store.engagements_of(a)] == [newer.id, older.id]
    assert await store.engagement(older.id) == older


async def test_invite_rotation_and_revocation(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    assert await store.invite_lookup(item.invite_token) == (item, InviteState.ACTIVE)
    new = new_token()
    rotated = await store.replace_invite(item.id, new)
    assert rotated.invite_token == new
    old_lookup = await store.invite_lookup(item.invite_token)
    assert old_lookup is not None and old_lookup[1] is InviteState.REVOKED
    assert (await store.invite_lookup(new)) == (rotated, InviteState.ACTIVE)
    revoked = await store.revoke_invite(item.id)
    assert (await store.invite_lookup(new)) == (revoked, InviteState.REVOKED)
    assert await store.invite_lookup(digest("never issued")) is None
    with pytest.raises(NotFound):
        await store.revoke_invite("missing")


# --- goal boards (issue 4) ---------------------------------------------------------------


def board_record(version: int, op_id: str) -> BoardRecord:
    return BoardRecord(version, op_id, Role.COACH, float(version), {"type": "set", "n": version})


async def test_board_apply_is_compare_and_set_on_the_version(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    assert await store.board_snapshot(item.id) is None
    first = await store.board_apply(item.id, 0, board_record(1, "op-one"), {"n": 1})
    assert first == BoardCommit(1, duplicate=False)
    assert await store.board_apply(item.id, 0, board_record(1, "op-late"), {"n": 9}) is None
    assert await store.board_snapshot(item.id) == BoardSnapshot(1, {"n": 1})
    again = await store.board_apply(item.id, 1, board_record(2, "op-one"), {"n": 2})
    assert again == BoardCommit(1, duplicate=True)  # a resend applies nothing
    assert (await store.board_op(item.id, "op-one")) == board_record(1, "op-one")


async def test_concurrent_board_applies_on_one_version_commit_once(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    results = await asyncio.gather(
        *(
            store.board_apply(item.id, 0, board_record(1, f"op-{n:04d}"), {"n": n})
            for n in range(20)
        )
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    snapshot = await store.board_snapshot(item.id)
    assert snapshot is not None and snapshot.version == 1


def timed_record(version: int, op_id: str) -> BoardRecord:
    """A record stamped now: turns lapse by the record's time (SQLite) or Redis's clock."""
    return BoardRecord(version, op_id, Role.COACH, time.time(), {"type": "set", "n": version})


async def test_a_lost_commit_claims_the_next_turn(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    assert await store.board_apply(item.id, 0, timed_record(1, "op-a1"), {}, "edit-a")
    assert await store.board_apply(item.id, 0, timed_record(1, "op-b1"), {}, "edit-b") is None
    # "a" is at the right version, but "b" lost and holds the next turn.
    assert await store.board_apply(item.id, 1, timed_record(2, "op-a2"), {}, "edit-a") is None
    assert await store.board_apply(item.id, 1, timed_record(2, "op-x"), {}) is None
    won = await store.board_apply(item.id, 1, timed_record(2, "op-b1"), {}, "edit-b")
    assert won == BoardCommit(2, duplicate=False)
    after = await store.board_apply(item.id, 2, timed_record(3, "op-a2"), {}, "edit-a")
    assert after == BoardCommit(3, duplicate=False), "the turn ends with its commit"
    again = await store.board_apply(item.id, 3, timed_record(4, "op-b1"), {}, "edit-c")
    assert again == BoardCommit(2, duplicate=True), "a resend is answered whoever has the turn"


async def test_an_unused_turn_lapses(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    await store.board_apply(item.id, 0, timed_record(1, "op-a1"), {}, "edit-a")
    claimed = time.monotonic()
    assert await store.board_apply(item.id, 0, timed_record(1, "op-b1"), {}, "edit-b") is None
    # "b" never comes back (its edit turned invalid, its process died): "a" waits it out.
    while await store.board_apply(item.id, 1, timed_record(2, "op-a2"), {}, "edit-a") is None:
        assert time.monotonic() - claimed < BOARD_TURN_SECONDS + 5
        await asyncio.sleep(0.02)
    assert time.monotonic() - claimed >= BOARD_TURN_SECONDS * 0.8


async def test_board_ops_since_and_history(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    for version in range(1, 6):
        await store.board_apply(
            item.id, version - 1, board_record(version, f"op-{version:04d}"), {}
        )
    since = await store.board_ops_since(item.id, 2, limit=10)
    assert since is not None and [r.version for r in since] == [3, 4, 5]
    assert await store.board_ops_since(item.id, 5, limit=10) == []
    assert await store.board_ops_since(item.id, 0, limit=3) is None  # too far behind
    assert await store.board_ops_since(item.id, 6, limit=10) is None  # never had it
    assert [r.version for r in await store.board_history(item.id, 2)] == [5, 4]
    with pytest.raises(NotFound):
        await store.board_apply("missing", 0, board_record(1, "op-none"), {})


async def test_private_notes_are_kept_apart_from_the_board(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    await store.private_note_put(item.id, PrivateNote("note-a", "secret", 1.0, 1.0))
    await store.private_note_put(item.id, PrivateNote("note-a", "secret 2", 1.0, 2.0))
    assert await store.private_notes(item.id) == [PrivateNote("note-a", "secret 2", 1.0, 2.0)]
    assert await store.board_snapshot(item.id) is None
    assert await store.board_history(item.id, 10) == []
    assert await store.private_note_delete(item.id, "note-a") is True
    assert await store.private_notes(item.id) == []


async def test_board_activity_keeps_the_latest_time(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    await store.board_touch(item.id, Role.CLIENT, 5.0)
    await store.board_touch(item.id, Role.CLIENT, 3.0)
    assert await store.board_activity(item.id) == {Role.CLIENT: 5.0}


async def test_board_presence_per_socket_and_gone_with_its_process(url: str) -> None:
    """Sockets set and drop their own entries; what a process held vanishes with it
    (SQLite: its connection; Redis: its heartbeat key)."""
    first = await open_store(url)
    try:
        item = engagement(await coach_id(first))
        await first.create_engagement(item)
        await first.board_presence_set(item.id, "sid-1", Role.COACH, "viewing")
        await first.board_presence_set(item.id, "sid-2", Role.CLIENT, "viewing")
        await first.board_presence_set(item.id, "sid-2", Role.CLIENT, "editing")
        assert sorted(await first.board_presence(item.id)) == [
            (Role.CLIENT, "editing"),
            (Role.COACH, "viewing"),
        ]
        await first.board_presence_drop(item.id, "sid-1")
        assert await first.board_presence(item.id) == [(Role.CLIENT, "editing")]
        assert await first.board_presence("other") == []
    finally:
        await first.close()
    after = await open_store(url)
    try:
        assert await after.board_presence(item.id) == []
    finally:
        await after.close()


async def test_board_edges_agree_across_backends(store: Store, second: Store) -> None:
    """The corners a backend could get subtly different: a replaced note keeps its first
    created_at, notes come oldest first, unknown ids answer None, unknown engagements
    NotFound, and a second connection (another process) sees every committed record."""
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    await store.private_note_put(item.id, PrivateNote("note-b", "later", 5.0, 5.0))
    await store.private_note_put(item.id, PrivateNote("note-a", "first", 1.0, 1.0))
    await store.private_note_put(item.id, PrivateNote("note-a", "edited", 9.0, 9.0))
    assert await store.private_notes(item.id) == [
        PrivateNote("note-a", "edited", 1.0, 9.0),
        PrivateNote("note-b", "later", 5.0, 5.0),
    ]
    assert await store.private_note_delete(item.id, "never") is False
    assert await store.board_op(item.id, "never") is None
    assert await store.board_history(item.id, 0) == []
    for version in range(1, 4):
        await store.board_apply(item.id, version - 1, board_record(version, f"op-{version}"), {})
    assert await second.board_snapshot(item.id) == BoardSnapshot(3, {})
    since = await second.board_ops_since(item.id, 0, limit=3)
    assert since == [board_record(v, f"op-{v}") for v in (1, 2, 3)]
    assert await second.board_ops_since(item.id, -1, limit=10) is None
    with pytest.raises(NotFound):
        await store.board_touch("missing", Role.COACH, 1.0)
    with pytest.raises(NotFound):
        await store.private_note_put("missing", PrivateNote("n", "t", 1.0, 1.0))


def holder(sid: str, device: str, since: float = 1.0) -> SeatHolder:
    return SeatHolder(sid, device, SeatState.HERE, since, f"session-{sid}")


async def test_seat_claims_follow_the_shared_rule(store: Store) -> None:
    assert await store.claim_seat("e", Role.COACH, holder("s1", "dev-a"), takeover=False) is None
    with pytest.raises(RoomFull, match="two people"):
        await store.claim_seat("e", Role.COACH, holder("s2", "dev-b"), takeover=False)
    same_device = await store.claim_seat("e", Role.COACH, holder("s3", "dev-a"), takeover=False)
    assert same_device == holder("s1", "dev-a")
    taken = await store.claim_seat("e", Role.COACH, holder("s4", "dev-b", 2.0), takeover=True)
    assert taken == holder("s3", "dev-a")
    assert await store.claim_seat("e", Role.CLIENT, holder("s5", "dev-c"), takeover=False) is None
    assert await store.seats("e") == {
        Role.COACH: holder("s4", "dev-b", 2.0),
        Role.CLIENT: holder("s5", "dev-c"),
    }
    assert await store.seats("other") == {}


async def test_the_seat_key_is_made_once_and_shared_by_every_connection(
    url: str, store: Store, second: Store
) -> None:
    """rooms/admission.py signs seat tokens with it: every process must hold the same."""
    first, other = await asyncio.gather(store.seat_key(), second.seat_key())
    assert first == other and len(first) == 32
    reopened = await open_store(url)
    try:
        assert await reopened.seat_key() == first, "a restart keeps the key"
    finally:
        await reopened.close()
    assert await second.seat_key() == first


async def test_only_the_current_holder_changes_or_frees_a_seat(store: Store) -> None:
    await store.claim_seat("e", Role.CLIENT, holder("old", "dev"), takeover=False)
    await store.claim_seat("e", Role.CLIENT, holder("new", "dev"), takeover=False)
    assert not await store.set_seat_state("e", Role.CLIENT, "old", SeatState.RECONNECTING)
    assert not await store.release_seat("e", Role.CLIENT, "old")
    assert await store.set_seat_state("e", Role.CLIENT, "new", SeatState.RECONNECTING)
    assert (await store.seats("e"))[Role.CLIENT].state is SeatState.RECONNECTING
    assert await store.release_seat("e", Role.CLIENT, "new")
    assert await store.seats("e") == {}
    assert not await store.release_seat("e", Role.CLIENT, "new")


async def test_clear_seats_frees_the_seats_this_store_holds(store: Store) -> None:
    await store.claim_seat("e", Role.COACH, holder("s1", "dev-a"), takeover=False)
    await store.clear_seats()
    assert await store.seats("e") == {}


async def test_concurrent_claims_through_two_connections_seat_one(
    store: Store, second: Store
) -> None:
    for round_ in range(20):
        engagement_id = f"race-{round_}"
        claims = [
            (store if i % 2 else second).claim_seat(
                engagement_id, Role.CLIENT, holder(f"s{i}", f"device-{i}"), takeover=False
            )
            for i in range(25)
        ]
        results = await asyncio.gather(*claims, return_exceptions=True)
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, RoomFull) for r in results if isinstance(r, Exception))
        assert set(await second.seats(engagement_id)) == {Role.CLIENT}


async def test_a_join_claims_opens_the_call_and_returns_the_seats_in_one_step(
    store: Store, second: Store
) -> None:
    """SeatStore.join_seat: the join's whole write, seen the same from another connection."""
    coach = holder("s1", "dev-a")
    first = await store.join_seat("e", Role.COACH, coach, takeover=False, now=10.0)
    assert (first.previous, first.seats, first.opened) == (None, {Role.COACH: coach}, None)
    assert await store.calls_of("e") == []
    client = dataclasses.replace(holder("s2", "dev-b"), practice=True)
    pair = await second.join_seat("e", Role.CLIENT, client, takeover=False, now=11.0)
    assert pair.previous is None and pair.seats == {Role.COACH: coach, Role.CLIENT: client}
    assert pair.opened is not None
    assert (pair.opened.kind, pair.opened.started_at, pair.opened.ended_at) == (
        CallKind.PRACTICE,
        11.0,
        None,
    )
    assert await store.calls_of("e") == [pair.opened]
    with pytest.raises(RoomFull, match="two people"):
        await store.join_seat("e", Role.CLIENT, holder("s3", "dev-c"), takeover=False, now=12.0)
    assert await second.seats("e") == pair.seats, "a refused join changes nothing"
    reload = await store.join_seat(
        "e", Role.CLIENT, holder("s4", "dev-b"), takeover=False, now=13.0
    )
    assert reload.previous == client and reload.opened is None, "a reload rejoins the call"
    assert reload.seats == {Role.COACH: coach, Role.CLIENT: holder("s4", "dev-b")}
    assert await store.close_call("e", now=20.0) is not None
    again = await second.join_seat("e", Role.COACH, holder("s5", "dev-a"), takeover=False, now=30.0)
    assert again.opened is not None and again.opened.kind is CallKind.REAL
    assert [(c.started_at, c.ended_at) for c in await store.calls_of("e")] == [
        (11.0, 20.0),
        (30.0, None),
    ]


async def test_concurrent_joins_through_two_connections_seat_one_and_open_one_call(
    store: Store, second: Store
) -> None:
    for round_ in range(10):
        engagement_id = f"race-{round_}"
        coach = holder("coach", "coach-device")
        await store.join_seat(engagement_id, Role.COACH, coach, takeover=False, now=1.0)
        joins = [
            (store if i % 2 else second).join_seat(
                engagement_id, Role.CLIENT, holder(f"s{i}", f"device-{i}"), takeover=False, now=2.0
            )
            for i in range(25)
        ]
        results = await asyncio.gather(*joins, return_exceptions=True)
        won = [r for r in results if not isinstance(r, BaseException)]
        assert len(won) == 1 and won[0].opened is not None
        assert all(isinstance(r, RoomFull) for r in results if isinstance(r, BaseException))
        assert await second.seats(engagement_id) == won[0].seats
        assert len(await store.calls_of(engagement_id)) == 1


async def test_one_call_is_open_at_a_time_and_closing_logs_it(store: Store) -> None:
    first = await store.open_call("e", CallKind.REAL, now=10.0)
    assert first is not None and first.ended_at is None
    assert await store.open_call("e", CallKind.PRACTICE, now=11.0) is None
    closed = await store.close_call("e", now=70.0)
    assert closed is not None and (closed.id, closed.duration) == (first.id, 60.0)
    assert await store.close_call("e", now=71.0) is None
    again = await store.open_call("e", CallKind.PRACTICE, now=80.0)
    assert again is not None and again.id != first.id
    calls = await store.calls_of("e")
    assert [(c.kind, c.started_at, c.ended_at) for c in calls] == [
        (CallKind.REAL, 10.0, 70.0),
        (CallKind.PRACTICE, 80.0, None),
    ]
    assert await store.calls_of("other") == []


async def test_writes_through_one_connection_are_seen_by_another(
    store: Store, second: Store
) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    assert await second.engagement(item.id) == item
    assert await second.count_coaches() == 1
    await store.ping()
    await second.ping()


# --- the coaching agreement (issue 14) ----------------------------------------------------


def version(number: int, text: str, at: float, **changes: object) -> AgreementVersion:
    fields: dict[str, object] = {"updated_at": at, **changes}
    return AgreementVersion(number, text, at, **fields)  # type: ignore[arg-type]


async def test_agreement_writes_are_compare_and_set_on_the_newest(store: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    assert await store.agreement_versions(item.id) == []
    first = version(1, "Draft æøå", 1.5)
    assert await store.agreement_write(item.id, None, first) is True
    assert await store.agreement_write(item.id, None, version(1, "late", 2.0)) is False
    edited = version(1, "Draft 2", 1.5, updated_at=2.25)
    assert await store.agreement_write(item.id, first, edited) is True  # replaces in place
    agreed = version(
        1,
        "Draft 2",
        1.5,
        updated_at=2.25,
        accepted_at=3.125,
        accepted_by=Role.CLIENT,
        accepted_name="Kari",
        consent_contact=True,
        goals=({"id": "goal-1", "title": "Job", "progress": 10},),
    )
    assert await store.agreement_write(item.id, edited, agreed) is True
    assert await store.agreement_write(item.id, edited, version(2, "stale", 4.0)) is False
    second = version(2, "Version two", 4.0)
    assert await store.agreement_write(item.id, agreed, second) is True
    assert await store.agreement_versions(item.id) == [agreed, second]
    with pytest.raises(NotFound):
        await store.agreement_write("missing", None, first)


async def test_concurrent_agreement_writes_on_one_version_store_once(
    store: Store, second: Store
) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    results = await asyncio.gather(
        *(
            (store if n % 2 else second).agreement_write(item.id, None, version(1, f"t{n}", 1.0))
            for n in range(20)
        )
    )
    assert sum(results) == 1
    assert len(await second.agreement_versions(item.id)) == 1


# --- closing, claims and erasure (issue 14) ------------------------------------------------


async def test_closing_is_once_and_the_sweep_finds_what_is_due(store: Store) -> None:
    owner = await coach_id(store)
    early, late, open_one = engagement(owner), engagement(owner), engagement(owner)
    for item in (early, late, open_one):
        await store.create_engagement(item)
    assert await store.closed_at(early.id) is None
    assert await store.close_engagement(early.id, 100.5) == 100.5
    assert await store.close_engagement(early.id, 200.0) == 100.5  # the first close counts
    await store.close_engagement(late.id, 300.0)
    assert await store.closed_before(150.0) == [early.id]
    assert set(await store.closed_before(300.0)) == {early.id, late.id}
    with pytest.raises(NotFound):
        await store.close_engagement("missing", 1.0)


async def test_an_erasure_claim_is_won_once_across_connections(store: Store, second: Store) -> None:
    claims = await asyncio.gather(
        *((store if n % 2 else second).claim_erasure("e1", f"n{n}", 1.0, 60.0) for n in range(20))
    )
    assert sum(claims) == 1


async def _fill(store: Store, item: Engagement, marker: str) -> None:
    """Something of the engagement in every area a store has today."""
    await store.create_engagement(item)
    op = {"type": "add", "collection": "goals", "id": "goal-1", "fields": {"title": marker}}
    record = BoardRecord(1, "op-0001", Role.COACH, 1.0, op)
    await store.board_apply(item.id, 0, record, {"goals": [{"title": f"{marker} goal"}]})
    late = timed_record(1, f"op-late-{marker}")  # loses, and claims the next turn
    assert await store.board_apply(item.id, 0, late, {}, f"edit-{marker}") is None
    await store.board_touch(item.id, Role.CLIENT, 2.0)
    await store.board_presence_set(item.id, f"sid-{marker}", Role.CLIENT, "viewing")
    await store.private_note_put(item.id, PrivateNote("note-a", f"{marker} private", 1.0, 1.0))
    await store.record_rehearsal(item.id, report(f"reh-{marker}", RehearsalStep.MUTE), 1.5)
    recap = {"changes": [{"kind": "goal-added", "text": f"{marker} recap"}]}
    await store.session_put(session_record(item.id, recap=recap), 0)
    await store.call_report_add(item.id, 1, Role.CLIENT, MediaPath.RELAY, QualityLevel.GOOD)
    await store.agreement_write(item.id, None, version(1, f"{marker} agreement", 1.0))
    await store.open_call(item.id, CallKind.REAL, 3.0)
    await store.close_call(item.id, 4.0)
    await store.open_call(item.id, CallKind.REAL, 5.0)
    phases = (Phase(f"{marker} timer phase", 600),)
    await store.timer_put(item.id, fresh(600, phases, version=1), 0)
    await store.agenda_put(item.id, Agenda((AgendaItem(f"{marker} phase", 10),)))
    submission = parse_submission(
        {
            "browser": f"{marker} browser",
            "steps": {step.value: "pass" for step in Step},
            "network": {
                "rtt_ms": 40,
                "jitter_ms": 5,
                "packet_loss_pct": 0,
                "bitrate_up_kbps": 900,
                "bitrate_down_kbps": 850,
                "ice_path": "direct",
            },
        }
    )
    await store.save_techcheck(make_report(item.id, Role.CLIENT, 6.0, submission))
    holder = SeatHolder(f"sid-{marker}", "dev", SeatState.HERE, 1.0, "sess")
    await store.claim_seat(item.id, Role.CLIENT, holder, takeover=False)
    await store.replace_invite(item.id, new_token())  # an old token is kept too
    await store.message_append(item.id, f"m-{marker}-1", Role.CLIENT, f"{marker} message", 7.0)
    await store.message_append(item.id, f"m-{marker}-2", Role.COACH, f"{marker} reply", 7.5)
    await store.message_read(item.id, Role.COACH, 1)
    await store.notice_set_contact(item.id, f"{marker.lower()}@example.org", f"unsub-{marker}")
    sent = Notice(
        item.id, f"reminder-24h:s-{marker}:1", NoticeKind.REMINDER_24H, 5.0, f"s-{marker}"
    )
    await store.notice_plan(sent)
    await store.notice_done(sent, LogEntry(6.0, NoticeKind.REMINDER_24H, Outcome.SENT))
    await store.notice_plan(Notice(item.id, f"nudge:{marker}", NoticeKind.NUDGE, 9e9))
    coach_notice = Notice(item.id, f"coach-message:{marker}", NoticeKind.COACH_MESSAGE, 9e9)
    await store.notice_plan(coach_notice)
    await store.close_engagement(item.id, 7.0)


def _sqlite_leftovers(path: Path, needles: list[str]) -> list[str]:
    """Every row of every table, and the bytes of the database and WAL files."""
    found: list[str] = []
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                found += [f"{table}: {row}" for n in needles if n in repr(row)]
    for file in path.parent.glob(path.name + "*"):
        data = file.read_bytes()
        found += [f"{file.name}: {n}" for n in needles if n.encode() in data]
    return found


async def _aof_leftovers(client: Redis, needles: list[str]) -> list[str]:
    """The append-only files, once the rewrite the erasure asked for has replaced them."""
    folder = Path((await client.config_get("dir"))["dir"])

    async def rewritten() -> bool:
        info = await client.info("persistence")
        idle = not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]
        return idle and not _file_hits(folder, needles)

    with contextlib.suppress(TimeoutError):  # then report what is still there
        await eventually(rewritten)
    return _file_hits(folder, needles)


def _file_hits(folder: Path, needles: list[str]) -> list[str]:
    return [
        f"{file.name}: {n}"
        for file in folder.rglob("*")
        if file.is_file() and file.suffix != ".log"
        for n in needles
        if n.encode() in file.read_bytes()
    ]


async def _redis_leftovers(url: str, needles: list[str]) -> list[str]:
    """Every key and every value, whatever its type, and the append-only files."""
    client = Redis.from_url(url, decode_responses=True)
    found: list[str] = []
    try:
        async for key in client.scan_iter(count=1000):
            kind = await client.type(key)
            if kind == "string":
                value: object = await client.get(key)
            elif kind == "hash":
                value = await client.hgetall(key)
            elif kind == "list":
                value = await client.lrange(key, 0, -1)
            elif kind == "set":
                value = await client.smembers(key)
            elif kind == "zset":
                value = await client.zrange(key, 0, -1, withscores=True)
            else:
                value = f"<{kind}>"
            found += [f"{key}: {n}" for n in needles if n in key or n in repr(value)]
        found += await _aof_leftovers(client, needles)
    finally:
        await client.aclose()
    return found


async def test_erasure_leaves_nothing_of_the_engagement_and_spares_the_others(
    store: Store, url: str
) -> None:
    owner = await coach_id(store)
    gone = engagement(owner, client_name="Erasable Client")
    kept = engagement(owner, client_name="Kept Client")
    await _fill(store, gone, "Gonemarker")
    await _fill(store, kept, "Keptmarker")
    current = await store.engagement(gone.id)
    assert current is not None
    tokens = [gone.invite_token, current.invite_token]
    kept_before = (
        await store.board_snapshot(kept.id),
        await store.private_notes(kept.id),
        await store.agreement_versions(kept.id),
        await store.calls_of(kept.id),
        await store.techchecks_of(kept.id),
        await store.rehearsals_of(kept.id),
        await store.messages_after(kept.id, 0, 100),
        await store.message_state(kept.id),
        await store.notice_log(kept.id),
        await store.notice_contact(kept.id),
        await store.engagement(kept.id),
    )

    record = ErasureRecord("erasure-1", 50.0, ErasureReason.REQUEST, owner)
    await store.erase_engagement(gone.id, record)
    await store.erase_engagement(gone.id, record)  # idempotent: finishing a cut-short one

    needles = [gone.id, "Erasable Client", "Gonemarker", *tokens, *map(digest, tokens)]
    if url.startswith("sqlite:///"):
        await store.close()
        leftovers = _sqlite_leftovers(Path(url.removeprefix("sqlite:///")), needles)
        store = await open_store(url)
    else:
        leftovers = await _redis_leftovers(url, needles)
    assert leftovers == []
    for token in tokens:
        assert await store.invite_lookup(token) is None
    assert await store.engagement(gone.id) is None
    assert [e.id for e in await store.engagements_of(owner)] == [kept.id]
    assert await store.erasures() == [record]
    kept_after = (
        await store.board_snapshot(kept.id),
        await store.private_notes(kept.id),
        await store.agreement_versions(kept.id),
        await store.calls_of(kept.id),
        await store.techchecks_of(kept.id),
        await store.rehearsals_of(kept.id),
        await store.messages_after(kept.id, 0, 100),
        await store.message_state(kept.id),
        await store.notice_log(kept.id),
        await store.notice_contact(kept.id),
        await store.engagement(kept.id),
    )
    assert kept_after == kept_before
    assert await store.closed_before(100.0) == [kept.id]
    if url.startswith("sqlite:///"):
        await store.close()


async def test_coaches_are_listed_reset_and_removed_only_without_engagements(
    store: Store,
) -> None:
    a, b = await coach_id(store, "a@example.org"), await coach_id(store, "b@example.org")
    assert [c.email for c in await store.coaches()] == ["a@example.org", "b@example.org"]
    await store.create_login_session("login-a", LoginSession(a, "csrf", expires_at=50.0))
    assert await store.set_password_hash(a, "new-hash") is True
    coach = await store.coach_by_id(a)
    assert coach is not None and coach.password_hash == "new-hash"
    assert await store.login_session("login-a", now=1.0) is None  # logged out everywhere
    item = engagement(a)
    await store.create_engagement(item)
    with pytest.raises(Conflict):
        await store.delete_coach(a)
    moved = await store.reassign_engagement(item.id, b)
    assert moved.coach_id == b
    assert [e.id for e in await store.engagements_of(b)] == [item.id]
    assert await store.engagements_of(a) == []
    assert [e.id for e in await store.all_engagements()] == [item.id]
    assert await store.delete_coach(a) is True
    assert await store.coach_by_email("a@example.org") is None
    assert [c.id for c in await store.coaches()] == [b]
    assert await store.delete_coach(a) is False


def report(rehearsal_id: str, *done: RehearsalStep, screen: bool = True) -> RehearsalReport:
    offered = frozenset(RehearsalStep) - (set() if screen else {RehearsalStep.SCREEN})
    return RehearsalReport(rehearsal_id, offered, frozenset(done))


async def test_rehearsal_reports_merge_and_never_untick(store: Store, second: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    first = await store.record_rehearsal(item.id, report("reh-one", RehearsalStep.MUTE), 100.0)
    assert (first.started_at, first.updated_at, first.done) == (100.0, 100.0, {RehearsalStep.MUTE})
    # A late report (fewer steps) through another process adds nothing and removes nothing.
    late = await second.record_rehearsal(item.id, report("reh-one", RehearsalStep.CAMERA), 105.5)
    assert late.done == {RehearsalStep.MUTE, RehearsalStep.CAMERA}
    stale = await store.record_rehearsal(item.id, report("reh-one"), 106.25)
    assert stale.done == late.done and not stale.complete
    done = await store.record_rehearsal(item.id, report("reh-one", *RehearsalStep), 110.0)
    assert done.complete and done.started_at == 100.0 and done.updated_at == 110.0
    assert await second.rehearsals_of(item.id) == [done]


async def test_concurrent_rehearsal_reports_lose_no_step(store: Store, second: Store) -> None:
    item = engagement(await coach_id(store))
    await store.create_engagement(item)
    steps = list(RehearsalStep)
    await asyncio.gather(
        *(
            (store if i % 2 else second).record_rehearsal(item.id, report("reh-race", step), 5.0)
            for i, step in enumerate(steps)
        )
    )
    (only,) = await store.rehearsals_of(item.id)
    assert only.done == set(steps) and only.started_at == 5.0


async def test_rehearsals_newest_first_pruned_and_per_engagement(store: Store) -> None:
    owner = await coach_id(store)
    item, other = engagement(owner), engagement(owner)
    for each in (item, other):
        await store.create_engagement(each)
    phone = await store.record_rehearsal(other.id, report("reh-phone", screen=False), 1.0)
    assert not phone.complete and RehearsalStep.SCREEN not in phone.offered
    for n in range(REHEARSALS_KEPT + 2):
        await store.record_rehearsal(item.id, report(f"reh-{n:03d}"), 10.0 + n)
    kept = await store.rehearsals_of(item.id)
    assert [r.rehearsal_id for r in kept] == [
        f"reh-{n:03d}" for n in range(REHEARSALS_KEPT + 1, 1, -1)
    ]
    assert await store.rehearsals_of(other.id) == [phone]
    with pytest.raises(NotFound):
        await store.record_rehearsal("missing", report("reh-none"), 1.0)
    assert await store.rehearsals_of("missing") == []


def session_record(engagement_id: str, **changes: object) -> SessionRecord:
    base = SessionRecord(
        new_id(), engagement_id, SessionKind.VIDEO, SessionStatus.PLANNED, 1000.0, 60, 5.0
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def test_session_put_is_compare_and_set_on_the_version(store: Store, second: Store) -> None:
    record = session_record("e")
    assert await store.session_put(record, 0)
    assert not await second.session_put(record, 0)  # exists already
    moved = record.next_version(planned_start=2000.0, sequence=1)
    assert await second.session_put(moved, 1)
    assert not await store.session_put(record.next_version(minutes=90), 1)  # stale
    assert await store.session_get("e", record.id) == moved
    other = session_record("e", recap={"changes": [{"kind": "goal-added", "text": "Å"}]})
    assert await store.session_put(other, 0)
    found = {s.id: s for s in await second.sessions_of("e")}
    assert found == {record.id: moved, other.id: other}
    assert found[other.id].recap == other.recap
    assert await store.sessions_of("f") == []
    assert await store.session_get("f", record.id) is None


async def test_call_reports_count_readings_and_keep_the_known_path(store: Store) -> None:
    await store.call_report_add("e", 3, Role.CLIENT, MediaPath.UNKNOWN, QualityLevel.GOOD)
    await store.call_report_add("e", 3, Role.CLIENT, MediaPath.RELAY, QualityLevel.POOR)
    await store.call_report_add("e", 3, Role.CLIENT, MediaPath.UNKNOWN, None)
    await store.call_report_add("e", 3, Role.COACH, MediaPath.DIRECT, QualityLevel.FAIR)
    await asyncio.gather(
        *(
            store.call_report_add("e", 4, Role.COACH, MediaPath.DIRECT, QualityLevel.GOOD)
            for _ in range(10)
        )
    )
    reports = await store.call_reports_of("e")
    assert reports == [
        CallReport(3, Role.CLIENT, MediaPath.RELAY, 1, 0, 1),
        CallReport(3, Role.COACH, MediaPath.DIRECT, 0, 1, 0),
        CallReport(4, Role.COACH, MediaPath.DIRECT, 10, 0, 0),
    ]
    assert reports[0].summary is QualityLevel.POOR
    assert await store.call_reports_of("f") == []


async def test_erasing_sessions_leaves_no_session_report_or_call_behind(
    store: Store, url: str
) -> None:
    for engagement_id in ("gone", "kept"):
        await store.session_put(session_record(engagement_id), 0)
        await store.open_call(engagement_id, CallKind.REAL, now=10.0)
        await store.call_report_add(engagement_id, 1, Role.COACH, MediaPath.DIRECT, None)
    await store.close_call("kept", now=20.0)
    await store.erase_sessions("gone")
    assert await store.sessions_of("gone") == []
    assert await store.call_reports_of("gone") == []
    assert await store.calls_of("gone") == []
    assert await store.open_call("gone", CallKind.REAL, now=30.0) is not None  # none was open
    assert len(await store.sessions_of("kept")) == 1
    assert len(await store.call_reports_of("kept")) == 1
    assert len(await store.calls_of("kept")) == 1
    await store.erase_sessions("gone")
    assert "gone" not in await _everything_stored(store, url)


async def _everything_stored(store: Store, url: str) -> str:
    """Every key and value (Redis) or every row (SQLite) after the erasure, as text."""
    if url.startswith("sqlite"):
        import sqlite3

        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            dump = [
                repr(row)
                for table in tables
                if table in ("sessions", "call_reports", "calls")
                for row in db.execute(f"SELECT * FROM {table}")
            ]
        finally:
            db.close()
        return "\n".join(dump)
    from redis.asyncio import Redis

    redis = Redis.from_url(url, decode_responses=True)
    try:
        keys = [k async for k in redis.scan_iter(match="tandem:*")]
        names = [k for k in keys if "node" not in k]
        values = [repr(await redis.dump(k)) for k in names]
        return "\n".join(names + values)
    finally:
        await redis.aclose()


async def test_handed_over_seats_stay_held_after_close(url: str) -> None:
    """SIGTERM with reconnecting sockets: the same browser gets its seat back, a stranger
    does not (server/shutdown.py)."""
    leaving = await open_store(url)
    await leaving.claim_seat("e", Role.COACH, holder("s1", "dev-a"), takeover=False)
    await leaving.hand_over_seats(grace=30)
    await leaving.close()
    successor = await open_store(url)
    try:
        with pytest.raises(RoomFull):
            await successor.claim_seat("e", Role.COACH, holder("s2", "dev-b"), takeover=False)
        back = await successor.claim_seat("e", Role.COACH, holder("s3", "dev-a"), takeover=False)
        assert back == holder("s1", "dev-a")
    finally:
        await successor.close()


@pytest.mark.redis
async def test_handed_over_redis_seats_end_with_the_grace(redis_server: RedisServer) -> None:
    leaving = await open_store(redis_server.url)
    await leaving.claim_seat("e", Role.CLIENT, holder("s1", "dev-a"), takeover=False)
    await leaving.hand_over_seats(grace=1)
    await leaving.close()
    successor = await open_store(redis_server.url)
    try:
        assert set(await successor.seats("e")) == {Role.CLIENT}
        waited = await eventually(lambda: _empty(successor, "e"), timeout=10)
        assert waited > 0.2  # held for a while, not freed at close
    finally:
        await successor.close()


async def _empty(store: Store, engagement_id: str) -> bool:
    return await store.seats(engagement_id) == {}


async def test_messages_get_contiguous_seqs_and_a_resend_is_not_doubled(
    store: Store, second: Store
) -> None:
    first, dup = await store.message_append("e", "client-id-1", Role.CLIENT, "Hei <b>du</b>", 1.5)
    assert (first.seq, dup) == (1, False)
    again, dup = await second.message_append("e", "client-id-1", Role.CLIENT, "other", 9.0)
    assert (again, dup) == (first, True)
    # the same id from the other side is another message
    reply, dup = await second.message_append("e", "client-id-1", Role.COACH, "Hei", 2.25)
    assert (reply.seq, dup) == (2, False)
    assert await store.messages_after("e", 0, 10) == [first, reply]
    assert await store.messages_after("e", 1, 10) == [reply]
    assert await store.messages_after("other", 0, 10) == []
    assert first.text == "Hei <b>du</b>" and first.sent_at == 1.5


async def test_concurrent_sends_through_two_connections_get_distinct_seqs(
    store: Store, second: Store
) -> None:
    sends = [
        (store if n % 2 else second).message_append("e", f"burst-id-{n:03}", Role.CLIENT, f"{n}", n)
        for n in range(40)
    ]
    results = await asyncio.gather(*sends)
    assert sorted(m.seq for m, _ in results) == list(range(1, 41))
    stored = await store.messages_after("e", 0, 100)
    assert [m.seq for m in stored] == list(range(1, 41))
    assert sorted(m.text for m in stored) == sorted(str(n) for n in range(40))


async def test_message_pages_before_and_after(store: Store) -> None:
    for n in range(1, 8):
        await store.message_append("e", f"page-id-{n:03}", Role.COACH, f"m{n}", float(n))
    assert [m.seq for m in await store.messages_after("e", 2, 3)] == [3, 4, 5]
    assert [m.seq for m in await store.messages_before("e", 0, 3)] == [5, 6, 7]
    assert [m.seq for m in await store.messages_before("e", 5, 3)] == [2, 3, 4]
    assert [m.seq for m in await store.messages_before("e", 2, 3)] == [1]


async def test_read_marks_only_rise_and_unread_counts_the_other_side(
    store: Store, second: Store
) -> None:
    for n, role in enumerate((Role.CLIENT, Role.CLIENT, Role.COACH, Role.CLIENT), start=1):
        await store.message_append("e", f"read-id-{n:03}", role, f"m{n}", float(n))
    assert await store.message_state("e") == ThreadState(4, 0, 0)
    assert await store.messages_unread("e", Role.COACH, 99) == 3
    assert await store.messages_unread("e", Role.CLIENT, 99) == 1
    assert await store.messages_unread("e", Role.COACH, 2) == 2  # capped
    assert await second.message_read("e", Role.COACH, 2) == ThreadState(4, 2, 0)
    assert await store.messages_unread("e", Role.COACH, 99) == 1
    assert await store.message_read("e", Role.COACH, 1) == ThreadState(4, 2, 0)  # never down
    assert await store.message_read("e", Role.CLIENT, 99) == ThreadState(4, 2, 4)  # capped
    assert await store.messages_unread("e", Role.CLIENT, 99) == 0
    assert await store.message_state("nothing") == ThreadState(0, 0, 0)
    assert await store.messages_unread("nothing", Role.COACH, 99) == 0


async def test_erasing_messages_leaves_the_other_threads(store: Store) -> None:
    await store.message_append("gone", "erase-id-1", Role.CLIENT, "bye", 1.0)
    await store.message_read("gone", Role.COACH, 1)
    kept, _ = await store.message_append("kept", "erase-id-1", Role.CLIENT, "stay", 1.0)
    await store.erase_messages("gone")
    await store.erase_messages("gone")
    assert await store.messages_after("gone", 0, 10) == []
    assert await store.message_state("gone") == ThreadState(0, 0, 0)
    assert await store.messages_after("kept", 0, 10) == [kept]
    again, dup = await store.message_append("gone", "erase-id-1", Role.CLIENT, "new", 2.0)
    assert (again.seq, dup) == (1, False)


async def test_a_notice_is_planned_once_and_claimed_by_one_connection(
    store: Store, second: Store
) -> None:
    notice = Notice("e", "reminder-24h:s1:100", NoticeKind.REMINDER_24H, 10.0, "s1")
    assert await store.notice_plan(notice) is True
    assert await second.notice_plan(notice) is False
    assert await store.notice_claim(9.0, 60.0, 10) == []  # not due yet
    claims = await asyncio.gather(
        *((store if n % 2 else second).notice_claim(10.0, 60.0, 10) for n in range(10))
    )
    assert [c for c in claims if c] == [[notice]]
    assert await store.notice_claim(69.0, 60.0, 10) == []  # leased
    assert await second.notice_claim(70.0, 60.0, 10) == [notice]  # its claimer died: again
    entry = LogEntry(71.0, NoticeKind.REMINDER_24H, Outcome.SENT)
    await second.notice_done(notice, entry)
    assert await store.notice_claim(1e6, 60.0, 10) == []
    assert await store.notice_plan(notice) is False  # done: never planned again
    await store.notice_done(Notice("e", "nudge:1", NoticeKind.NUDGE, 1.0), None)
    assert await store.notice_log("e") == [entry]
    assert await store.notice_log("other") == []


async def test_contacts_opt_out_by_token_and_keep_the_opt_out(store: Store, second: Store) -> None:
    assert await store.notice_contact("e") is None
    await store.notice_set_contact("e", "kari@example.org", "unsub-token-1")
    assert await second.notice_contact("e") == Contact("kari@example.org", False, "unsub-token-1")
    assert await second.notice_opt_out("wrong-token") is None
    assert await second.notice_opt_out("unsub-token-1") == "e"
    await store.notice_set_contact("e", "kari@new.example.org", "unsub-token-2")
    assert await store.notice_contact("e") == Contact("kari@new.example.org", True, "unsub-token-1")
    await store.notice_set_contact("f", "ola@example.org", "unsub-token-3")
    await store.notice_set_contact("f", "", "unused")
    assert await store.notice_contact("f") is None
    assert await store.notice_opt_out("unsub-token-3") is None
