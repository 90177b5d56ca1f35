"""The `tandem` command: serve, and the admin tasks scripts need (coaches, engagements).

Admin commands open the same store the server uses; SQLite's WAL lets them run while a
server is up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import uvloop
from aiohttp import web

from rooms import validation
from rooms.accounts import AccountPolicy, Accounts, NewAccount
from rooms.clock import wall_clock
from rooms.engagements import EngagementDraft, Engagements
from rooms.errors import TandemError
from rooms.store import Store, open_store, store_url
from server import logs
from server.app import create_app
from server.config import ConfigError, Settings, markdown_table

logger = logging.getLogger(__name__)

T = TypeVar("T")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem coaching session hub")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="address to listen on (TANDEM_HOST)")
    serve.add_argument("--port", type=int, help="TCP port (TANDEM_PORT)")
    serve.add_argument("--data-dir", help="folder for the SQLite store (TANDEM_DATA_DIR)")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"))

    coach = commands.add_parser("coach", help="manage coach accounts").add_subparsers(
        dest="action", required=True
    )
    coach_add = coach.add_parser("add", help="create a coach, or print a setup link for one")
    coach_add.add_argument("email")
    coach_add.add_argument("--name", help="display name (default: the e-mail's local part)")
    coach_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    engagement = commands.add_parser("engagement", help="manage engagements").add_subparsers(
        dest="action", required=True
    )
    engagement_add = engagement.add_parser("add", help="create an engagement")
    engagement_add.add_argument("--coach", required=True, help="the coach's e-mail address")
    engagement_add.add_argument("--client", required=True, help="the client's name")
    engagement_add.add_argument("--lang", default="en", choices=("nb", "sv", "nl", "en"))
    engagement_add.add_argument("--months", default="6", choices=("3", "6", "12"))
    engagement_add.add_argument("--session-minutes", default="60")
    engagement_add.add_argument("--cadence", default="biweekly")

    config = commands.add_parser("config", help="print the settings")
    config.add_argument("--markdown", action="store_true", help="as the README's table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "config":
        print(markdown_table())
        return 0
    try:
        overrides: dict[str, object] = {}
        if args.command == "serve":
            overrides = {
                "host": args.host,
                "port": args.port,
                "data_dir": Path(args.data_dir) if args.data_dir else None,
                "log_level": args.log_level,
            }
        settings = Settings.from_env(os.environ, **overrides)
    except ConfigError as error:
        print(f"tandem: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    try:
        if args.command == "serve":
            run(serve(settings))
        elif args.command == "coach":
            run(add_coach(settings, args.email, args.name, args.password_stdin))
        else:
            run(add_engagement(settings, args))
    except TandemError as error:
        print(f"tandem: {error.message}", file=sys.stderr)
        return 1
    return 0


def run(main: Coroutine[Any, Any, T]) -> T:
    """Every command runs on uvloop: less CPU per socket event than asyncio's own loop
    (measured in docs/performance.md)."""
    return uvloop.run(main)


async def _open(settings: Settings) -> Store:
    return await open_store(store_url(settings.redis_url, settings.data_dir))


async def serve(settings: Settings) -> None:
    runner = web.AppRunner(create_app(settings), access_log_class=logs.AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as error:
        # Cleaned up before raising: the app's background services (store, echo peers)
        # would otherwise keep the process alive after the traceback.
        await runner.cleanup()
        raise TandemError(listen_error(settings.host, settings.port, error)) from None
    print(f"Tandem is running at {settings.base_url}/", flush=True)
    store = await _open(settings)
    try:
        if await store.count_coaches() == 0:
            accounts = Accounts(store, wall_clock, AccountPolicy())
            token = await accounts.issue_setup_link()
            print(f"Create the first coach account: {settings.base_url}/setup/{token}", flush=True)
    finally:
        await store.close()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def listen_error(host: str, port: int, error: OSError) -> str:
    """One plain line for a port we cannot open (acceptance 7 of issue 16)."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use; "
            "stop the other server or choose another port with --port or TANDEM_PORT."
        )
    if error.errno == errno.EACCES:
        return f"not allowed to listen on port {port}; choose a port above 1023 with --port."
    return f"cannot listen on {host}:{port}: {error.strerror or error}."


async def add_coach(settings: Settings, email: str, name: str | None, from_stdin: bool) -> None:
    store = await _open(settings)
    try:
        accounts = Accounts(store, wall_clock, AccountPolicy())
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
            display = name or email.split("@")[0]
            data: dict[str, object] = {
                "email": email,
                "display_name": display,
                "password": password,
            }
            coach = await accounts.register(NewAccount.parse(data))
            print(f"Coach {coach.email} created.")
        else:
            token = await accounts.issue_setup_link(validation.email(email))
            print(f"Setup link for {email}: {settings.base_url}/setup/{token}")
    finally:
        await store.close()


async def add_engagement(settings: Settings, args: argparse.Namespace) -> None:
    store = await _open(settings)
    try:
        coach = await store.coach_by_email(args.coach.lower())
        if coach is None:
            raise TandemError(f"No coach with the e-mail address {args.coach}.")
        draft = EngagementDraft.parse(
            {
                "client_name": args.client,
                "language": args.lang,
                "program_months": args.months,
                "session_minutes": args.session_minutes,
                "cadence": args.cadence,
            }
        )
        engagement = await Engagements(store, wall_clock).create(coach.id, draft)
        print(f"Coach's room:  {settings.base_url}/engagements/{engagement.id}")
        print(f"Client invite: {settings.base_url}/i/{engagement.invite_token}")
    finally:
        await store.close()
