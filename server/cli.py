"""The `tandem` command: serve, and the admin tasks a self-hoster needs (server/admin.py).

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
import socket
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import uvloop
from aiohttp import web

from rooms.accounts import AccountPolicy, Accounts
from rooms.clock import wall_clock
from rooms.errors import TandemError
from rooms.store import Store, open_store, store_url
from server import admin, logs
from server.config import ConfigError, Settings, markdown_table

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Parser(argparse.ArgumentParser):
    """Wrong input answers with one plain line (and exit code 2), not a usage screen."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="tandem", description="Tandem coaching session hub")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="address to listen on (TANDEM_HOST)")
    serve.add_argument("--port", type=int, help="TCP port (TANDEM_PORT)")
    serve.add_argument("--data-dir", help="folder for the SQLite store (TANDEM_DATA_DIR)")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"))

    _coach_commands(commands.add_parser("coach", help="manage coach accounts"))
    _engagement_commands(commands.add_parser("engagement", help="manage engagements"))

    config = commands.add_parser("config", help="print the settings")
    config.add_argument("--markdown", action="store_true", help="as the README's table")
    return parser


def _coach_commands(coach: argparse.ArgumentParser) -> None:
    actions = coach.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = actions.add_parser("add", help="create a coach, or print a setup link for one")
    add.add_argument("email")
    add.add_argument("--name", help="display name (default: the e-mail's local part)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    actions.add_parser("list", help="list every coach with their number of engagements")
    reset = actions.add_parser("reset-password", help="set a new password (read from stdin)")
    reset.add_argument("email")
    remove = actions.add_parser("remove", help="remove a coach account")
    remove.add_argument("email")
    heirs = remove.add_mutually_exclusive_group()
    heirs.add_argument("--hand-to", metavar="EMAIL", help="give their engagements to this coach")
    heirs.add_argument(
        "--erase-engagements", action="store_true", help="erase their engagements first"
    )
    remove.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")


def _engagement_commands(engagement: argparse.ArgumentParser) -> None:
    actions = engagement.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = actions.add_parser("add", help="create an engagement")
    add.add_argument("--coach", required=True, help="the coach's e-mail address")
    add.add_argument("--client", required=True, help="the client's name")
    add.add_argument("--lang", default="en", choices=("nb", "sv", "nl", "en"))
    add.add_argument("--months", default="6", choices=("3", "6", "12"))
    add.add_argument("--session-minutes", default="60")
    add.add_argument("--cadence", default="biweekly")
    listing = actions.add_parser("list", help="list engagements (every coach's, or one's)")
    listing.add_argument("--coach", help="only this coach's (e-mail address)")
    for name, text in (
        ("show", "show one engagement"),
        ("rotate", "replace the invite link (the old one stops working)"),
        ("revoke", "revoke the invite link"),
        ("close", "close the program: read-only, erased after the retention period"),
        ("erase", "erase everything of the engagement now"),
        ("export", "print or write the engagement's export"),
    ):
        command = actions.add_parser(name, help=text)
        command.add_argument("id", help="the engagement's id (see `tandem engagement list`)")
        if name == "erase":
            command.add_argument("--yes", action="store_true", help="confirm: cannot be undone")
        if name == "export":
            command.add_argument("--format", choices=("md", "json"), default="md")
            command.add_argument(
                "--as",
                dest="as_role",
                choices=("client", "coach"),
                default="client",
                help="whose export: the client's (shared board) or the coach's (with private "
                "notes and history)",
            )
            command.add_argument("--output", help="write to this file instead of stdout")


ADMIN: dict[
    tuple[str, str], Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]
] = {
    ("coach", "add"): admin.coach_add,
    ("coach", "list"): admin.coach_list,
    ("coach", "reset-password"): admin.coach_reset_password,
    ("coach", "remove"): admin.coach_remove,
    ("engagement", "add"): admin.engagement_add,
    ("engagement", "list"): admin.engagement_list,
    ("engagement", "show"): admin.engagement_show,
    ("engagement", "rotate"): admin.engagement_rotate,
    ("engagement", "revoke"): admin.engagement_revoke,
    ("engagement", "close"): admin.engagement_close,
    ("engagement", "erase"): admin.engagement_erase,
    ("engagement", "export"): admin.engagement_export,
}


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
    logs.configure(settings.log_level, settings.log_format)
    try:
        if args.command == "serve":
            run(serve(settings))
        else:
            run(ADMIN[(args.command, args.action)](settings, args))
    except TandemError as error:
        print(f"tandem: {error.message}", file=sys.stderr)
        return 1
    return 0


def run(main: Coroutine[Any, Any, T]) -> T:
    """Every command runs on uvloop: less CPU per socket event than asyncio's own loop
    (measured in docs/performance.md)."""
    return uvloop.run(main)


async def _open(settings: Settings) -> Store:
    return await open_store(store_url(settings.redis_url, settings.data_dir), settings.redis_target)


async def serve(settings: Settings) -> None:
    # The port is opened first, before the imports and services below take seconds on a
    # busy machine: a taken port is then reported at once, with nothing started to undo.
    sock = listen(settings.host, settings.port)
    # Imported here: the admin commands never build the app, and aiortc and Socket.IO
    # take most of a second to import on a small machine.
    from server import shutdown
    from server.app import create_app

    app = create_app(settings)
    runner = web.AppRunner(
        app, access_log_class=logs.AccessLogger, shutdown_timeout=settings.shutdown_seconds
    )
    await runner.setup()
    await web.SockSite(runner, sock).start()
    _announce(settings, f"Tandem is running at {settings.base_url}/")
    store = await _open(settings)
    try:
        if await store.count_coaches() == 0:
            accounts = Accounts(store, wall_clock, AccountPolicy())
            token = await accounts.issue_setup_link()
            # The one line that must show a token: the operator has no other way in.
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
        await shutdown.drain(runner, app)


def _announce(settings: Settings, line: str) -> None:
    """A plain line for a terminal; a log line when every line must be JSON."""
    if settings.log_format == "json":
        logger.info(line)
    else:
        print(line, flush=True)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket aiohttp will serve on (SO_REUSEADDR, as aiohttp sets it)."""
    try:
        return socket.create_server((host, port), backlog=128)
    except OSError as error:
        raise TandemError(listen_error(host, port, error)) from None


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
