"""Sending e-mail through the configured SMTP server with aiosmtplib.

`TANDEM_SMTP_URL` names the server: `smtp://user:password@host:587` uses STARTTLS when the
server offers it, `smtps://host:465` speaks TLS from the start, and `?tls=off` sends in
the clear (a relay on the same machine, or a test's aiosmtpd).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

TIMEOUT = 20.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: when the server offers it


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    off = parse_qs(parts.query).get("tls") == ["off"]
    return SmtpTarget(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if secure else 587),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=secure,
        start_tls=False if off or secure else None,
    )


class Mailer:
    def __init__(self, target: SmtpTarget, sender: str) -> None:
        self._target = target
        self.sender = sender

    async def send(self, message: EmailMessage) -> None:
        """Raises aiosmtplib.SMTPException or OSError when the server refuses or is away."""
        message["From"] = self.sender
        target = self._target
        await aiosmtplib.send(
            message,
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            start_tls=target.start_tls,
            timeout=TIMEOUT,
        )


class MailOutbox:
    """The pages' way to send (web/keys.py `Outbox`): each mail in its own task, kept
    here until it is done, and waited for (briefly) when the app closes."""

    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer
        self._pending: set[asyncio.Task[None]] = set()

    def post(self, message: EmailMessage) -> None:
        task = asyncio.create_task(self._send(message), name="outbox")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, message: EmailMessage) -> None:
        try:
            await self._mailer.send(message)
        except (aiosmtplib.SMTPException, OSError) as error:
            logger.warning("mail not sent: %s", type(error).__name__)

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=TIMEOUT)
        for task in set(self._pending):
            task.cancel()
