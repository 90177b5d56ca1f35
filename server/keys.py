"""Typed application keys: the only way state reaches handlers (no module-level globals)."""

from __future__ import annotations

import asyncio

import jinja2
import socketio
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
from server.config import Settings
from server.metrics import Metrics
from server.notices import NoticeSender
from web.i18n import Catalogs

SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
STORE = web.AppKey("store", Store)
ACCOUNTS = web.AppKey("accounts", Accounts)
ENGAGEMENTS = web.AppKey("engagements", Engagements)
CATALOGS = web.AppKey("catalogs", Catalogs)
JINJA = web.AppKey("jinja", jinja2.Environment)
SIO = web.AppKey("sio", socketio.AsyncServer)
BOARDS = web.AppKey("boards", Boards)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
AGREEMENTS = web.AppKey("agreements", Agreements)
SESSIONS = web.AppKey("sessions", Sessions)
PROGRAM = web.AppKey("program", Program)
METRICS = web.AppKey("metrics", Metrics)
DRAINING = web.AppKey("draining", asyncio.Event)  # set on SIGTERM (server/shutdown.py)
MESSAGES = web.AppKey("messages", Messages)
NOTICES = web.AppKey("notices", Notices)
NOTICE_SENDER = web.AppKey("notice_sender", NoticeSender)
MAIL_ENABLED = web.AppKey("mail_enabled", bool)
