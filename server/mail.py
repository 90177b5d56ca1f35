"""Sending e-mail through the configured SMTP server with aiosmtplib.

`TANDEM_SMTP_URL` names the server: `smtp://user:password@host:587` uses STARTTLS when the
server offers it, `smtps://host:465` speaks TLS from the start, and `?tls=off` sends in
the clear (a relay on the same machine, or a test's aiosmtpd).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

TIMEOUT = 20.0


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
