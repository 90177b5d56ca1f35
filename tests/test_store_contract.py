"""The storage contract every backend passes: SQLite, and Redis on a real redis-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from rooms.board.records import BoardCommit, BoardRecord, BoardSnapshot, PrivateNote
from rooms.calls import CallKind
from rooms.errors import Conflict, NotFound, RoomFull
from rooms.models import Cadence, Engagement, InviteState, Language, LoginSession, Role, SetupLink
from rooms.seats import SeatHolder, SeatState
from rooms.store import Store, open_store
from rooms.tokens import digest, new_id, new_token
from tests.redis_server import BACKENDS, backend_url


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
