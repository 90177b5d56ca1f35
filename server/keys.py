"""Typed application keys: the only way state reaches handlers (no module-level globals).

The keys pages read live in web/keys.py (web must not import server) and are re-exported
here, so server code and tests name every key from one module. The rest are the
server's and the real-time layer's own.
"""

from __future__ import annotations

import socketio
from aiohttp import web

from rooms.call_log import CallLog
from rooms.room_service import RoomService
from server.config import Settings
from server.mail import Mailer
from server.metrics import Metrics
from server.notices import NoticeSender
from signaling.echo import EchoService
from signaling.identity import Authenticator
from signaling.revocation import Revocations
from web.keys import (
    ACCOUNTS,
    AGREEMENTS,
    BOARDS,
    CATALOGS,
    CLOCK,
    DRAINING,
    ENGAGEMENTS,
    JINJA,
    LIFECYCLE,
    MAIL_ENABLED,
    MESSAGES,
    NOTICES,
    OUTBOX,
    PROGRAM,
    PUBSUB_READY,
    SESSIONS,
    STORE,
    TIMERS,
    WEB_SETTINGS,
)

__all__ = (
    "ACCOUNTS",
    "AGREEMENTS",
    "AUTHENTICATOR",
    "BOARDS",
    "CALLS",
    "CATALOGS",
    "CLOCK",
    "DRAINING",
    "ECHO",
    "ENGAGEMENTS",
    "JINJA",
    "LIFECYCLE",
    "MAILER",
    "MAIL_ENABLED",
    "MESSAGES",
    "METRICS",
    "NOTICES",
    "NOTICE_SENDER",
    "OUTBOX",
    "PROGRAM",
    "PUBSUB_READY",
    "REVOCATIONS",
    "ROOMS",
    "SESSIONS",
    "SETTINGS",
    "SIO",
    "STORE",
    "TIMERS",
    "WEB_SETTINGS",
)

SETTINGS = web.AppKey("settings", Settings)
SIO = web.AppKey("sio", socketio.AsyncServer)
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
CALLS = web.AppKey("calls", CallLog)
ROOMS = web.AppKey("rooms", RoomService)
ECHO = web.AppKey("echo", EchoService)
METRICS = web.AppKey("metrics", Metrics)
NOTICE_SENDER = web.AppKey("notice_sender", NoticeSender)
MAILER: web.AppKey[Mailer | None] = web.AppKey("mailer")  # None without TANDEM_SMTP_URL
# The one Revoke (rooms/revocation.py): the domain services that end a credential call it.
REVOCATIONS = web.AppKey("revocations", Revocations)
