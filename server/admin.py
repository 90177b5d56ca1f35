"""The admin commands behind `tandem coach …` and `tandem engagement …`.

Each opens the same store the server uses (SQLite's WAL lets it run beside a server; on
Redis it is one more client) and goes through the same domain services as the web, so
the rules are the same: a closed program stays read-only, an erasure is claimed and
complete, a coach with engagements cannot vanish and leave them ownerless. Every failure
is a TandemError, which `tandem` prints as one plain line with exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rooms import validation
from rooms.accounts import AccountPolicy, Accounts, NewAccount
from rooms.agreement_service import Agreements
from rooms.board.export import to_json, to_markdown
from rooms.board_service import Boards
from rooms.clock import wall_clock
from rooms.engagements import EngagementDraft, Engagements
from rooms.errors import InvalidInput, NotFound, TandemError
from rooms.lifecycle import ErasureReason
from rooms.lifecycle_service import Lifecycle
from rooms.message_service import Messages
from rooms.models import Coach, Engagement, InviteState, Role
from rooms.readable import moment
from rooms.revocation import Revoke, revoke_nothing
from rooms.session_service import Sessions
from rooms.sessions import HeldPolicy
from rooms.store import Store, open_store, store_url
from rooms.store.redis.connect import Connector, RedisTarget
from rooms.tokens import new_id
from server.config import Settings
from signaling.revocation import RedisRevocations
from web.i18n import Catalogs


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    accounts: Accounts
    engagements: Engagements
    boards: Boards
    lifecycle: Lifecycle
    agreements: Agreements
    sessions: Sessions
    messages: Messages


def held_policy(settings: Settings) -> HeldPolicy:
    return HeldPolicy(min_together_seconds=settings.session_held_minutes * 60.0)


@asynccontextmanager
async def services(settings: Settings) -> AsyncIterator[Services]:
    """With Redis, a revocation here (rotate, revoke, erase, a password reset) is
    published to the serving processes, which disconnect the sockets holding it; with
    SQLite there is no channel to them, so those sockets go at their next reconnect."""
    store = await open_store(store_url(settings.redis_url, settings.data_dir))
    connector = (
        Connector(settings.redis_target or RedisTarget(settings.redis_url))
        if settings.redis_url
        else None
    )
    revoke: Revoke = RedisRevocations(connector.client()) if connector else revoke_nothing
    try:
        boards = Boards(store, wall_clock)
        days = settings.retention_days
        lifecycle = Lifecycle(store, wall_clock, retention_days=days, node=new_id(), revoke=revoke)
        yield Services(
            store,
            Accounts(store, wall_clock, AccountPolicy(), revoke=revoke),
            Engagements(store, wall_clock, revoke=revoke),
            boards,
            lifecycle,
            Agreements(store, boards, lifecycle, wall_clock),
            Sessions(store, wall_clock, held_policy(settings)),
            Messages(store, wall_clock),
        )
    finally:
        if connector is not None:
            await connector.aclose()
        await store.close()


async def _engagement(s: Services, engagement_id: str) -> Engagement:
    found = await s.store.engagement(engagement_id)
    if found is None:
        raise NotFound("No engagement with the id %(id)s.", params={"id": engagement_id})
    return found


async def _coach(s: Services, email: str) -> Coach:
    found = await s.store.coach_by_email(email.strip().lower())
    if found is None:
        raise NotFound("No coach with the e-mail address %(email)s.", params={"email": email})
    return found


def _confirmed(args: argparse.Namespace) -> None:
    if not args.yes:
        raise InvalidInput("This cannot be undone; add --yes to confirm.")


# --- coaches ------------------------------------------------------------------------------


async def coach_add(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            data: dict[str, object] = {
                "email": args.email,
                "display_name": args.name or args.email.split("@")[0],
                "password": password,
            }
            coach = await s.accounts.register(NewAccount.parse(data))
            print(f"Coach {coach.email} created.")
        else:
            token = await s.accounts.issue_setup_link(validation.email(args.email))
            print(f"Setup link for {args.email}: {settings.base_url}/setup/{token}")


async def coach_list(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        coaches = await s.store.coaches()
        if not coaches:
            print("No coaches yet.")
        for coach in coaches:
            count = len(await s.store.engagements_of(coach.id))
            print(f"{coach.email}\t{coach.display_name}\t{count} engagement(s)")


async def coach_reset_password(settings: Settings, args: argparse.Namespace) -> None:
    """The new password comes from standard input, never from the command line (which
    other users of the machine can read in the process list)."""
    async with services(settings) as s:
        password = sys.stdin.readline().rstrip("\n")
        coach = await s.accounts.reset_password(args.email, password)
        print(f"Password of {coach.email} reset; every login session of theirs has ended.")


async def coach_remove(settings: Settings, args: argparse.Namespace) -> None:
    _confirmed(args)
    async with services(settings) as s:
        coach = await _coach(s, args.email)
        owned = await s.store.engagements_of(coach.id)
        if owned and args.hand_to:
            heir = await _coach(s, args.hand_to)
            if heir.id == coach.id:
                raise InvalidInput("Hand the engagements to another coach.")
            for engagement in owned:
                await s.store.reassign_engagement(engagement.id, heir.id)
            print(f"{len(owned)} engagement(s) handed to {heir.email}.")
        elif owned and args.erase_engagements:
            for engagement in owned:
                await s.lifecycle.erase(engagement, ErasureReason.COACH_REMOVED)
            print(f"{len(owned)} engagement(s) erased.")
        elif owned:
            raise InvalidInput(
                "%(email)s still has %(count)s engagement(s); add --hand-to EMAIL or "
                "--erase-engagements.",
                params={"email": coach.email, "count": len(owned)},
            )
        await s.store.delete_coach(coach.id)
        print(f"Coach {coach.email} removed.")


# --- engagements --------------------------------------------------------------------------


async def engagement_add(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        coach = await _coach(s, args.coach)
        draft = EngagementDraft.parse(
            {
                "client_name": args.client,
                "language": args.lang,
                "program_months": args.months,
                "session_minutes": args.session_minutes,
                "cadence": args.cadence,
            }
        )
        engagement = await s.engagements.create(coach.id, draft)
        print(f"Coach's room:  {settings.base_url}/engagements/{engagement.id}")
        print(f"Client invite: {settings.base_url}/i/{engagement.invite_token}")


async def _state(s: Services, engagement: Engagement) -> str:
    if await s.lifecycle.closed_at(engagement) is not None:
        return "closed"
    return "open" if engagement.invite_state is InviteState.ACTIVE else "open, invite revoked"


async def engagement_list(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        if args.coach:
            engagements = await s.store.engagements_of((await _coach(s, args.coach)).id)
        else:
            engagements = await s.store.all_engagements()
        if not engagements:
            print("No engagements.")
        emails = {c.id: c.email for c in await s.store.coaches()}
        for e in engagements:
            state = await _state(s, e)
            print(f"{e.id}\t{emails.get(e.coach_id, '?')}\t{e.client_name}\t{e.language}\t{state}")


async def engagement_show(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        e = await _engagement(s, args.id)
        coach = await s.store.coach_by_id(e.coach_id)
        status = await s.agreements.status(e)
        closed_at = await s.lifecycle.closed_at(e)
        agreed = status.accepted
        lines = [
            f"Engagement:  {e.id}",
            f"Coach:       {coach.email if coach else '?'}",
            f"Client:      {e.client_name} ({e.language})",
            f"Program:     {e.program_months} months, {e.cadence}, {e.session_minutes} minutes",
            f"State:       {await _state(s, e)}",
            f"Invite:      {settings.base_url}/i/{e.invite_token} ({e.invite_state})",
            "Agreement:   "
            + (
                f"version {agreed.number}, accepted on {moment(agreed.accepted_at or 0, 'en')}"
                if agreed
                else "not yet accepted"
            )
            + (f"; version {status.pending.number} waits" if status.pending else ""),
            f"Board:       version {(await s.boards.snapshot(e)).version}",
        ]
        if closed_at is not None:
            lines.append(f"Closed:      {moment(closed_at, 'en')}")
            lines.append(f"Erased on:   {moment(s.lifecycle.erase_after(closed_at), 'en')}")
        print("\n".join(lines))


async def engagement_rotate(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        e = await _engagement(s, args.id)
        rotated = await s.engagements.rotate_invite(e.coach_id, e.id)
        link = f"{settings.base_url}/i/{rotated.invite_token}"
        print(f"New invite link (the old one stopped working): {link}")


async def engagement_revoke(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        e = await _engagement(s, args.id)
        await s.engagements.revoke_invite(e.coach_id, e.id)
        print(f"Invite of {e.id} revoked; the client's link no longer opens anything.")


async def engagement_close(settings: Settings, args: argparse.Namespace) -> None:
    async with services(settings) as s:
        e = await _engagement(s, args.id)
        closed_at = await s.lifecycle.close(e)
        erase_on = moment(s.lifecycle.erase_after(closed_at), "en")
        print(f"Program {e.id} closed; it is read-only and erased automatically on {erase_on}.")


async def engagement_erase(settings: Settings, args: argparse.Namespace) -> None:
    _confirmed(args)
    async with services(settings) as s:
        e = await _engagement(s, args.id)
        if await s.lifecycle.erase(e, ErasureReason.REQUEST) is None:
            raise TandemError("This engagement is being erased right now.")
        print(f"Engagement {e.id} erased; nothing of it is left.")


async def engagement_export(settings: Settings, args: argparse.Namespace) -> None:
    """What the chosen person's export on the web holds: `--as client` (the default) the
    shared board, agreement, sessions and message thread, `--as coach` also the private
    notes and the history."""
    async with services(settings) as s:
        e = await _engagement(s, args.id)
        role = Role(args.as_role)
        snapshot = await s.boards.snapshot(e)
        private = await s.boards.private_notes(e, role) if role is Role.COACH else None
        history = await s.boards.history(e, role) if role is Role.COACH else None
        language = e.language.value if role is Role.CLIENT else "en"
        common: dict[str, Any] = {
            "private": private,
            "history": history,
            "agreement": await s.agreements.status(e),
            "language": language,
            "sessions": await s.sessions.of(e),
            "messages": await s.messages.transcript(e),
        }
        if args.format == "json":
            body = to_json(e, snapshot.version, snapshot.state, **common)
        else:
            translator = Catalogs().get(language)
            body = to_markdown(e, snapshot.version, snapshot.state, translator=translator, **common)
    # Written after the store is closed: a command line tool may block on its own file.
    if args.output:
        Path(args.output).write_text(body, encoding="utf-8")  # noqa: ASYNC240
        print(f"Export of {e.id} written to {args.output}.")
    else:
        sys.stdout.write(body)
