"""What every storage backend promises, one Protocol per area.

Backends are chosen by URL (`sqlite:///path`, later `redis://…`) and must pass the one
contract suite in tests/test_store_contract.py. Methods that decide a race (consuming a
setup link, counting login failures, replacing an invite) are single atomic steps in the
backend, never read-then-write in the caller, so a Redis backend can keep them atomic
across processes with one script each.
"""

from __future__ import annotations

from typing import Any, Protocol

from rooms.agreement import AgreementVersion
from rooms.board.records import BoardCommit, BoardRecord, BoardSnapshot, PrivateNote
from rooms.calls import CallKind, CallRecord
from rooms.lifecycle import ErasureRecord
from rooms.messages import Message, ThreadState
from rooms.models import (
    Coach,
    Engagement,
    InviteState,
    LinkPurpose,
    LoginSession,
    Role,
    SetupLink,
)
from rooms.notices import Contact, LogEntry, Notice
from rooms.rehearsal import Rehearsal, RehearsalReport
from rooms.seats import SeatClaim, SeatHolder, SeatState
from rooms.sessions.records import CallReport, MediaPath, QualityLevel, SessionRecord
from rooms.techcheck import TechCheckReport
from rooms.timer import Agenda, TimerState


class AccountStore(Protocol):
    async def create_coach(
        self, *, email: str, display_name: str, password_hash: str, now: float
    ) -> Coach:
        """Raises Conflict when the e-mail address is taken."""
        ...

    async def coach_by_email(self, email: str) -> Coach | None: ...

    async def coach_by_id(self, coach_id: str) -> Coach | None: ...

    async def count_coaches(self) -> int: ...

    async def set_coach_time_zone(self, coach_id: str, time_zone: str) -> None:
        """An IANA zone name already checked by the caller; "" means the server default."""
        ...

    async def set_coach_language(self, coach_id: str, language: str) -> None:
        """A removed coach is left removed (no half record)."""
        ...

    async def set_coach_mail_off(self, coach_id: str, off: bool) -> None:
        """A removed coach is left removed (no half record)."""
        ...

    async def create_setup_link(self, token_digest: str, link: SetupLink) -> None: ...

    async def peek_setup_link(
        self, token_digest: str, now: float, purpose: LinkPurpose = LinkPurpose.SETUP
    ) -> SetupLink | None:
        """The link while it has not expired and has this purpose."""
        ...

    async def consume_setup_link(
        self, token_digest: str, now: float, purpose: LinkPurpose = LinkPurpose.SETUP
    ) -> SetupLink | None:
        """Returns the link once; every later or concurrent call gets None, and so does a
        call naming another purpose (which leaves the link as it was)."""
        ...

    async def create_login_session(self, token_digest: str, session: LoginSession) -> None: ...

    async def login_session(self, token_digest: str, now: float) -> LoginSession | None: ...

    async def delete_login_session(self, token_digest: str) -> None: ...

    async def note_login_failure(self, key: str, now: float, window: float) -> int:
        """Records one failure and returns how many fell within the last `window` seconds.
        `window` is also how long this key's failures are kept; another key's failures
        (with a longer window) are not dropped by it."""
        ...

    async def count_login_failures(self, key: str, now: float, window: float) -> int: ...

    async def clear_login_failures(self, key: str) -> None: ...

    async def coaches(self) -> list[Coach]:
        """Oldest first."""
        ...

    async def set_password_hash(self, coach_id: str, password_hash: str) -> bool:
        """Replaces the hash and ends every login session of the coach; False when unknown."""
        ...

    async def delete_coach(self, coach_id: str) -> bool:
        """Raises Conflict while the coach has engagements; False when unknown."""
        ...


class EngagementStore(Protocol):
    async def create_engagement(self, engagement: Engagement) -> None: ...

    async def engagement(self, engagement_id: str) -> Engagement | None: ...

    async def engagements_of(self, coach_id: str) -> list[Engagement]:
        """Newest first."""
        ...

    async def invite_lookup(self, token: str) -> tuple[Engagement, InviteState] | None:
        """Finds the engagement a current or former invite token belongs to."""
        ...

    async def replace_invite(self, engagement_id: str, new_token: str) -> Engagement:
        """Revokes every earlier token and makes `new_token` the active one."""
        ...

    async def revoke_invite(self, engagement_id: str) -> Engagement: ...

    async def all_engagements(self) -> list[Engagement]:
        """Every coach's, newest first: only the admin command line lists these."""
        ...

    async def reassign_engagement(self, engagement_id: str, coach_id: str) -> Engagement:
        """Hands the engagement to another coach (before removing its coach)."""
        ...

    async def erase_engagement_record(self, engagement_id: str) -> None:
        """The engagement itself and every invite token ever issued for it."""
        ...


class SeatStore(Protocol):
    async def claim_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool
    ) -> SeatHolder | None:
        """Applies rooms.seats.claim atomically; returns the replaced holder, if any.
        Raises RoomFull when the seat is someone else's."""
        ...

    async def join_seat(
        self, engagement_id: str, role: Role, holder: SeatHolder, *, takeover: bool, now: float
    ) -> SeatClaim:
        """A join's whole write in one atomic step (one transaction, one Redis script):
        `claim_seat`, then, when both seats are taken, the call opened at `now` unless one
        is open (CallStore.open_call, kind rooms.seats.call_kind), and the seats as they
        stand after it. Raises RoomFull having changed nothing."""
        ...

    async def set_seat_state(
        self, engagement_id: str, role: Role, sid: str, state: SeatState
    ) -> bool:
        """Only while `sid` still holds the seat; False when it no longer does."""
        ...

    async def release_seat(self, engagement_id: str, role: Role, sid: str) -> bool:
        """Frees the seat only if `sid` still holds it (a replaced socket frees nothing)."""
        ...

    async def seats(self, engagement_id: str) -> dict[Role, SeatHolder]: ...

    async def seat_key(self) -> bytes:
        """The deployment's key for seat tokens (rooms/admission.py): 32 random bytes made
        on first use and the same for every process and every restart after that."""
        ...

    async def clear_seats(self) -> None:
        """At start-up of a single-process backend: nobody is connected yet."""
        ...

    async def erase_seats(self, engagement_id: str) -> None:
        """Its seats and its call log."""
        ...

    async def hand_over_seats(self, grace: float) -> None:
        """This process is stopping while its sockets reconnect elsewhere (SIGTERM): its
        seats stay held after close() for `grace` seconds instead of being freed, so the
        same browsers take them back and nobody else can meanwhile. SQLite's one process
        holds them until it starts again (and clears them, as nobody is connected yet)."""
        ...


class CallStore(Protocol):
    async def open_call(self, engagement_id: str, kind: CallKind, now: float) -> CallRecord | None:
        """Starts a call unless one is open; returns it, or None when one was open."""
        ...

    async def close_call(self, engagement_id: str, now: float) -> CallRecord | None:
        """Ends the open call, if any, and returns it."""
        ...

    async def calls_of(self, engagement_id: str) -> list[CallRecord]:
        """Oldest first."""
        ...


class SessionStore(Protocol):
    """The session records of each engagement, and what the room pages reported about
    each call (media path, quality readings).

    `session_put` is the one atomic step: a Redis backend compares the stored version in
    one script, so a coach moving a session and a call closing on another process never
    overwrite each other; the loser re-reads and applies its change again.
    """

    async def session_put(self, record: SessionRecord, expected_version: int) -> bool:
        """Stores `record` only if the stored one is at `expected_version` (0: none stored
        yet) and returns whether it did. `record.version` must be `expected_version + 1`."""
        ...

    async def session_get(self, engagement_id: str, session_id: str) -> SessionRecord | None: ...

    async def sessions_of(self, engagement_id: str) -> list[SessionRecord]:
        """Every session of the engagement (cancelled ones too), in no promised order."""
        ...

    async def call_report_add(
        self,
        engagement_id: str,
        call_id: int,
        role: Role,
        path: MediaPath,
        level: QualityLevel | None,
    ) -> None:
        """Counts one quality reading (if any) for this call and side; a known path
        replaces the stored one, UNKNOWN leaves it."""
        ...

    async def call_reports_of(self, engagement_id: str) -> list[CallReport]: ...

    async def erase_sessions(self, engagement_id: str) -> None:
        """Deletes every session, recap, call report and the call log of the engagement,
        leaving no key or row behind (the engagement's erasure calls this)."""
        ...


class TimerStore(Protocol):
    """One timer and one agenda per engagement.

    The timer row holds the current (or last) session's timestamps; it is only ever
    replaced by compare-and-set on `version`, so two processes acting on the same button
    press cannot both win. The agenda is the engagement's standing plan; a running timer
    keeps its own copy of the phases, so editing the agenda never shifts a session.
    """

    async def timer_get(self, engagement_id: str) -> TimerState | None: ...

    async def timer_put(self, engagement_id: str, state: TimerState, expected_version: int) -> bool:
        """Stores `state` only if the stored version is still `expected_version` (0: no
        timer stored yet) and returns whether it did. `state.version` must be
        `expected_version + 1`, which every transition guarantees."""
        ...

    async def agenda_get(self, engagement_id: str) -> Agenda | None:
        """None when the coach never set one; callers fall back to DEFAULT_AGENDA."""
        ...

    async def agenda_put(self, engagement_id: str, agenda: Agenda) -> None: ...

    async def erase_timers(self, engagement_id: str) -> None: ...


class TechCheckStore(Protocol):
    """Tech-check reports per engagement; only the newest few are kept (a report is a
    snapshot, and a client may run the check many times)."""

    async def save_techcheck(self, report: TechCheckReport) -> None:
        """Raises NotFound for an unknown engagement."""
        ...

    async def latest_techcheck(
        self, engagement_id: str, role: Role = Role.CLIENT
    ) -> TechCheckReport | None: ...

    async def techchecks_of(self, engagement_id: str) -> list[TechCheckReport]:
        """Newest first, at most TECHCHECKS_KEPT."""
        ...

    async def erase_techchecks(self, engagement_id: str) -> None: ...


class RehearsalStore(Protocol):
    """Room rehearsals per engagement (rooms/rehearsal.py); the newest REHEARSALS_KEPT are
    kept. Never part of the session log: a rehearsal is not a call."""

    async def record_rehearsal(
        self, engagement_id: str, report: RehearsalReport, now: float
    ) -> Rehearsal:
        """Creates the rehearsal named in `report` or adds to it, in one atomic step:
        `offered` and `done` are the union of every report, `started_at` is the first
        report's time, `updated_at` the latest. Raises NotFound for an unknown engagement."""
        ...

    async def rehearsals_of(self, engagement_id: str) -> list[Rehearsal]:
        """Newest first (by start), at most REHEARSALS_KEPT."""
        ...

    async def erase_rehearsals(self, engagement_id: str) -> None:
        """Part of erasing an engagement: no row or key of its rehearsals is left."""
        ...


BOARD_TURN_SECONDS = 0.5  # how long a lost edit's claim on the next turn lasts


class BoardStore(Protocol):
    """One goal board per engagement: a snapshot, the log of applied operations, who was
    last active, and, kept apart from all of it, the coach's private notes.

    `board_apply` is the one atomic step: a Redis backend does it in one script (check the
    op id, compare the version, append the record, replace the snapshot).
    """

    # True when this process's board_apply calls are committed in the order they were
    # made (SQLite's group commit queue): then the next edit of a board may be applied on
    # top of one still being committed and join its transaction. False (Redis, whose
    # calls travel on several connections): an edit waits for the previous one's commit.
    board_commits_in_order: bool

    async def board_snapshot(self, engagement_id: str) -> BoardSnapshot | None:
        """None while nobody has changed the board yet (version 0)."""
        ...

    async def board_apply(
        self,
        engagement_id: str,
        expected_version: int,
        record: BoardRecord,
        state: dict[str, Any],
        contender: str = "",
    ) -> BoardCommit | None:
        """If the engagement's program is closed, returns a commit with closed=True and
        stores nothing. If `record.op_id` was applied before, returns its commit with
        duplicate=True and stores nothing. Otherwise stores `record` and `state` only if
        the board is still at `expected_version` (`record.version` must be
        `expected_version + 1`); returns None when it is not (another operation won the
        race; the caller re-applies on top).

        Turns keep this fair: a `contender` (one id per edit, across its attempts) whose
        commit loses claims the board's next turn for BOARD_TURN_SECONDS; until it commits
        or the claim lapses, every other contender's commit returns None without being
        compared. So a process that lost once wins its next attempt, and a faster process
        cannot starve a slower one's edit. An empty contender claims nothing.

        A stored record also counts as `record.role`'s activity at `record.at`
        (board_touch), in the same step: an op costs the store one round trip."""
        ...

    async def board_op(self, engagement_id: str, op_id: str) -> BoardRecord | None:
        """The record of an op id applied before, if any."""
        ...

    async def board_ops_since(
        self, engagement_id: str, version: int, limit: int
    ) -> list[BoardRecord] | None:
        """The records after `version`, oldest first; None when that would be more than
        `limit` records or `version` is not one this board has had (send a snapshot)."""
        ...

    async def board_history(self, engagement_id: str, limit: int) -> list[BoardRecord]:
        """The latest `limit` records, newest first."""
        ...

    async def board_touch(self, engagement_id: str, role: Role, now: float) -> None:
        """Notes that `role` looked at or changed the board at `now`."""
        ...

    async def board_activity(self, engagement_id: str) -> dict[Role, float]: ...

    async def board_presence_set(
        self, engagement_id: str, sid: str, role: Role, state: str
    ) -> None:
        """This socket has the board open ("viewing" or "editing"). Kept in the store, not
        in a process, so both people see each other whichever process they are on; the
        entries of a process that stopped count no longer."""

    async def board_presence_drop(self, engagement_id: str, sid: str) -> None: ...

    async def board_presence(self, engagement_id: str) -> list[tuple[Role, str]]:
        """(role, state) of every socket that has the board open, in no order."""

    async def private_notes(self, engagement_id: str) -> list[PrivateNote]:
        """Oldest first."""
        ...

    async def private_note_put(self, engagement_id: str, note: PrivateNote) -> None:
        """Adds the note or replaces the one with its id."""
        ...

    async def private_note_delete(self, engagement_id: str, note_id: str) -> bool: ...

    async def erase_boards(self, engagement_id: str) -> None:
        """Snapshot, history, activity, presence and private notes."""
        ...


class AgreementStore(Protocol):
    """The numbered versions of an engagement's coaching agreement (rooms/agreement.py).

    `agreement_write` is compare-and-set on the newest version, so a coach's edit and the
    client's acceptance racing on two processes cannot both win."""

    async def agreement_versions(self, engagement_id: str) -> list[AgreementVersion]:
        """Oldest first."""
        ...

    async def agreement_write(
        self, engagement_id: str, expected: AgreementVersion | None, version: AgreementVersion
    ) -> bool:
        """Stores `version` only if the newest stored version still equals `expected`
        (None: none stored yet) and returns whether it did. A version with `expected`'s
        number replaces it; the next number appends. Raises NotFound for an unknown
        engagement."""
        ...

    async def erase_agreements(self, engagement_id: str) -> None: ...


class LifecycleStore(Protocol):
    """When a program was closed, who may erase it, and the content-free erasure log."""

    async def close_engagement(self, engagement_id: str, now: float) -> float:
        """Marks the engagement closed (once) and returns when it was closed.
        Raises NotFound for an unknown engagement."""
        ...

    async def closed_at(self, engagement_id: str) -> float | None: ...

    async def closed_before(self, cutoff: float) -> list[str]:
        """Ids of engagements closed at or before `cutoff`."""
        ...

    async def claim_erasure(self, engagement_id: str, owner: str, now: float, ttl: float) -> bool:
        """One atomic claim: True for exactly one caller until `ttl` seconds pass (so a
        process that died mid-erasure does not block the next sweep forever)."""
        ...

    async def record_erasure(self, record: ErasureRecord) -> None: ...

    async def erasures(self) -> list[ErasureRecord]:
        """Oldest first."""
        ...

    async def erase_lifecycle(self, engagement_id: str) -> None: ...


class MessageStore(Protocol):
    """The thread of each engagement (rooms/messages). Appending is one atomic step that
    gives the next seq and refuses a second message with the same (sender, client id)."""

    async def message_append(
        self, engagement_id: str, client_id: str, sender: Role, text: str, sent_at: float
    ) -> tuple[Message, bool]:
        """Returns the stored message and whether it was already there (a resend)."""
        ...

    async def messages_after(self, engagement_id: str, seq: int, limit: int) -> list[Message]:
        """Up to `limit` messages with a seq above `seq`, oldest first."""
        ...

    async def messages_before(self, engagement_id: str, seq: int, limit: int) -> list[Message]:
        """The newest `limit` messages below `seq` (0 = the newest of all), oldest first."""
        ...

    async def message_read(self, engagement_id: str, role: Role, seq: int) -> ThreadState:
        """Moves `role`'s read mark up to `seq` (never down, never past the last seq)."""
        ...

    async def message_state(self, engagement_id: str) -> ThreadState: ...

    async def messages_unread(self, engagement_id: str, role: Role, limit: int) -> int:
        """The other side's messages above `role`'s read mark, counted up to `limit`."""
        ...

    async def erase_messages(self, engagement_id: str) -> None: ...


class NoticeStore(Protocol):
    """The due-queue of notices and their log (rooms/notices). Claiming is one atomic step
    across processes: a claimed notice is due again only after `lease` seconds, so a
    process that dies mid-send leaves it to another, and a finished one is never claimed."""

    async def notice_plan(self, notice: Notice) -> bool:
        """Queues the notice unless its key was planned before; True when it was new."""
        ...

    async def notice_claim(self, now: float, lease: float, limit: int) -> list[Notice]: ...

    async def notice_done(self, notice: Notice, entry: LogEntry | None) -> None:
        """Takes the notice off the queue for good and logs `entry` (None: dropped unlogged)."""
        ...

    async def notice_log(self, engagement_id: str) -> list[LogEntry]:
        """Newest first."""
        ...

    async def notice_contact(self, engagement_id: str) -> Contact | None: ...

    async def notice_set_contact(self, engagement_id: str, email: str, token: str) -> None:
        """Sets the address (an empty one removes it); an opt-out stays in force."""
        ...

    async def notice_opt_out(self, token: str) -> str | None:
        """Opts out the engagement whose unsubscribe token this is; returns its id."""
        ...

    async def erase_notices(self, engagement_id: str) -> None: ...


class Store(
    AccountStore,
    EngagementStore,
    SeatStore,
    CallStore,
    SessionStore,
    TimerStore,
    TechCheckStore,
    RehearsalStore,
    BoardStore,
    AgreementStore,
    LifecycleStore,
    MessageStore,
    NoticeStore,
    Protocol,
):
    """The whole storage surface the app depends on.

    Erasure: every area that keeps anything of an engagement has its own
    `erase_<area>(engagement_id)` method; `erase_engagement` (rooms/store/erasure.py) runs
    all of them, the engagement record itself last. A new area only adds its method, and
    tests/test_store_contract.py scans every table and Redis key for what is left.
    """

    async def erase_engagement(self, engagement_id: str, record: ErasureRecord) -> None:
        """Removes everything of the engagement and logs `record` (which holds no content).
        Idempotent: an erasure cut short is finished by running it again."""
        ...

    async def ping(self) -> None:
        """Raises StoreUnavailable when the backend cannot serve requests."""
        ...

    async def close(self) -> None: ...
