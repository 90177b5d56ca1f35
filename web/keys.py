"""The typed application keys the web layer reads, and the few settings it needs.

A leaf: it imports the domain and nothing of `server` or `signaling`. server/app.py fills
every key once; a handler reads `request.app[KEY]` and never builds a service itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from email.message import EmailMessage
from typing import Protocol

import jinja2
from aiohttp import web

from rooms.accounts import Accounts
from rooms.agreement_service import Agreements
from rooms.board_service import Boards
from rooms.clock import Clock
from rooms.engagements import Engagements
from rooms.lifecycle_service import Lifecycle
from rooms.message_service import Messages
from rooms.notice_service import Notices
from rooms.program_service import Program
from rooms.session_service import Sessions
from rooms.store import Store
from rooms.timer_service import Timers
from web.i18n import Catalogs


class WebSettings(Protocol):
    """The settings pages use; server.config.Settings provides them."""

    @property
    def base_url(self) -> str: ...

    @property
    def origins(self) -> tuple[str, ...]: ...

    @property
    def secure_cookies(self) -> bool: ...

    @property
    def trust_proxy(self) -> bool: ...

    @property
    def session_hours(self) -> int: ...

    @property
    def inactive_days(self) -> int: ...

    @property
    def session_held_minutes(self) -> int: ...

    @property
    def time_zone(self) -> str: ...


class Outbox(Protocol):
    """Sends e-mail from a page; server/mail.py provides it when SMTP is configured."""

    def post(self, message: EmailMessage) -> None:
        """Sends in the background, a failure logged: the page answers just as fast
        whether or not a mail goes, so its timing tells nothing (password reset)."""
        ...


WEB_SETTINGS: web.AppKey[WebSettings] = web.AppKey("web_settings")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
STORE = web.AppKey("store", Store)
ACCOUNTS = web.AppKey("accounts", Accounts)
ENGAGEMENTS = web.AppKey("engagements", Engagements)
BOARDS = web.AppKey("boards", Boards)
TIMERS = web.AppKey("timers", Timers)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
AGREEMENTS = web.AppKey("agreements", Agreements)
SESSIONS = web.AppKey("sessions", Sessions)
PROGRAM = web.AppKey("program", Program)
MESSAGES = web.AppKey("messages", Messages)
NOTICES = web.AppKey("notices", Notices)
# Whether an SMTP server is configured (TANDEM_SMTP_URL): without it no notice is sent.
MAIL_ENABLED = web.AppKey("mail_enabled", bool)
OUTBOX: web.AppKey[Outbox | None] = web.AppKey("outbox")  # None without SMTP
CATALOGS = web.AppKey("catalogs", Catalogs)
JINJA = web.AppKey("jinja", jinja2.Environment)
# Whether this process hears the others (Redis pub/sub); always true on one process.
PUBSUB_READY: web.AppKey[Callable[[], bool]] = web.AppKey("pubsub_ready")
DRAINING = web.AppKey("draining", asyncio.Event)  # set on SIGTERM (server/shutdown.py)
