"""The app factory: the one place that builds and wires every part of Tandem.

Nothing is created at import time. Each resource that needs closing is opened by a
cleanup_ctx generator and closed by it, so an app built by a test is torn down completely.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import socketio
from aiohttp import web

from rooms.accounts import AccountPolicy, Accounts
from rooms.agreement_service import Agreements
from rooms.board_service import Boards
from rooms.call_log import CallLog
from rooms.clock import Clock, wall_clock
from rooms.engagements import Engagements
from rooms.lifecycle_service import Lifecycle
from rooms.message_service import Messages
from rooms.notice_service import Notices
from rooms.program_service import Program
from rooms.room_service import RoomService
from rooms.session_service import Sessions
from rooms.sessions import HeldPolicy
from rooms.store import open_store, store_url
from rooms.timer_service import Timers
from rooms.tokens import new_id
from rooms.turn import IceConfig
from server.config import Settings
from server.keys import (
    ACCOUNTS,
    AGREEMENTS,
    AUTHENTICATOR,
    BOARDS,
    CALLS,
    CATALOGS,
    CLOCK,
    DRAINING,
    ECHO,
    ENGAGEMENTS,
    JINJA,
    LIFECYCLE,
    MAIL_ENABLED,
    MAILER,
    MESSAGES,
    METRICS,
    NOTICE_SENDER,
    NOTICES,
    OUTBOX,
    PROGRAM,
    PUBSUB_READY,
    REVOCATIONS,
    ROOMS,
    SESSIONS,
    SETTINGS,
    SIO,
    STORE,
    TIMERS,
    WEB_SETTINGS,
)
from server.logs import request_ids
from server.mail import Mailer, MailOutbox, parse_smtp_url
from server.measured_store import MeasuredStore
from server.metrics import EchoCollector, Metrics, room_probe
from server.metrics_http import metrics_view
from server.notices import NoticeSender
from server.store_changes import ChangeWatch
from server.websockets import disable_compression
from signaling import fastjson
from signaling.base import Namespace
from signaling.board import BoardNamespace
from signaling.delivery import LocalManager
from signaling.echo import EchoConfig, EchoService
from signaling.identity import Authenticator
from signaling.messages import MessagesNamespace
from signaling.pubsub import RedisManager
from signaling.revocation import Revocations
from signaling.room import RoomNamespace
from signaling.server import SocketServer
from signaling.techcheck import TechCheckNamespace
from signaling.timer import TimerNamespace
from web.auth import auth_middleware
from web.i18n import Catalogs
from web.render import make_environment
from web.routes import add_routes
from web.security import error_pages, not_on_websockets, security_headers

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist"
MAX_BODY = 256 * 1024
MAX_SOCKET_MESSAGE = 256 * 1024  # an SDP is capped at 64 KB by its schema; this stops floods


def create_app(settings: Settings, *, clock: Clock = wall_clock) -> web.Application:
    app = web.Application(
        # A websocket keeps its upgrade request's id in its log lines; the rest would only
        # hold memory for the socket's life (web/security.py, not_on_websockets).
        middlewares=[
            request_ids,
            *map(not_on_websockets, (security_headers, error_pages, auth_middleware)),
        ],
        client_max_size=MAX_BODY,
    )
    app[SETTINGS] = settings
    app[WEB_SETTINGS] = settings
    app[CLOCK] = clock
    app[CATALOGS] = Catalogs()
    app[JINJA] = make_environment()
    app[METRICS] = Metrics()
    app[DRAINING] = asyncio.Event()
    app[SIO] = _socketio_server(settings, app[METRICS])
    app[SIO].attach(app)
    app[REVOCATIONS] = Revocations()
    manager = app[SIO].manager
    app[PUBSUB_READY] = manager.is_ready if isinstance(manager, RedisManager) else _always
    app.cleanup_ctx.append(app[METRICS].watch_loop)
    app.cleanup_ctx.append(_services_context)
    app.cleanup_ctx.append(_signaling_context)
    app.cleanup_ctx.append(_retention_context)
    app.cleanup_ctx.append(_outbox_context)
    app.cleanup_ctx.append(_notices_context)
    app[MAIL_ENABLED] = bool(settings.smtp_url)
    smtp = parse_smtp_url(settings.smtp_url) if settings.smtp_url else None
    app[MAILER] = Mailer(smtp, settings.mail_from) if smtp else None
    app.on_shutdown.append(_close_sockets)
    add_routes(app, VENDOR_DIR)
    app.router.add_get("/metrics", metrics_view)
    return app


def _always() -> bool:
    return True


def _socketio_server(settings: Settings, metrics: Metrics) -> socketio.AsyncServer:
    disable_compression()
    # None keeps python-socketio's same-origin check; a list adds the configured origins.
    # Never '*' or []: both switch the Origin check off.
    origins = list(settings.origins) if settings.allowed_origins else None
    # With Redis, emits to a room reach sockets on every process (see signaling/pubsub.py).
    manager = (
        RedisManager(settings.redis_url, on_publish=metrics.published, target=settings.redis_target)
        if settings.redis_url
        else LocalManager()
    )
    return SocketServer(
        observer=metrics,  # counts every event at the one dispatch point
        async_mode="aiohttp",
        json=fastjson,  # orjson: less CPU per packet (docs/performance.md)
        client_manager=manager,
        cors_allowed_origins=origins,
        max_http_buffer_size=MAX_SOCKET_MESSAGE,
        ping_interval=20,
        ping_timeout=20,
    )


async def _services_context(app: web.Application) -> AsyncIterator[None]:
    """The store and every domain service, each built once; web/ and signaling/ get
    these instances and never construct their own."""
    settings, clock, metrics = app[SETTINGS], app[CLOCK], app[METRICS]
    url = store_url(settings.redis_url, settings.data_dir)
    raw = await open_store(url, settings.redis_target)
    backend = "redis" if settings.redis_url else "sqlite"
    measured = MeasuredStore.wrap(raw, backend, metrics.store_latency, metrics.store_errors)
    # Notices read and queue through the plain store; every other service writes through
    # the watch, which marks what the notice planner must look at (server/store_changes.py).
    app[NOTICES] = Notices(measured, clock, settings.time_zone)
    store = ChangeWatch.wrap(measured, app[NOTICES])
    policy = AccountPolicy(session_seconds=settings.session_hours * 3600)
    app[STORE] = store
    revoke = app[REVOCATIONS]  # the one way a credential ends (rooms/revocation.py)
    app[ACCOUNTS] = Accounts(store, clock, policy, revoke=revoke)
    app[ENGAGEMENTS] = Engagements(store, clock, revoke=revoke)
    app[BOARDS] = Boards(store, clock)
    days = settings.retention_days
    app[LIFECYCLE] = Lifecycle(store, clock, retention_days=days, node=new_id(), revoke=revoke)
    app[AGREEMENTS] = Agreements(store, app[BOARDS], app[LIFECYCLE], clock)
    held = HeldPolicy(min_together_seconds=settings.session_held_minutes * 60.0)
    app[SESSIONS] = Sessions(store, clock, held)
    app[PROGRAM] = Program(app[AGREEMENTS], app[SESSIONS], app[BOARDS], app[LIFECYCLE], clock)
    app[MESSAGES] = Messages(store, clock)
    app[TIMERS] = Timers(store, clock)
    app[CALLS] = CallLog(store, clock, app[SESSIONS])
    app[ROOMS] = RoomService(store, app[CALLS], settings.reconnect_grace_seconds)
    # One Authenticator for every namespace: the same clock and the same trust in the
    # proxy's X-Forwarded-For, so connect failures are counted per real client address.
    app[AUTHENTICATOR] = Authenticator(
        app[ACCOUNTS], app[ENGAGEMENTS], store, clock=clock, trust_proxy=settings.trust_proxy
    )
    yield
    await app[ROOMS].close()
    await store.close()


async def _close_sockets(app: web.Application) -> None:
    """Open websockets would hold shutdown until its timeout; closing them lets browsers
    reconnect to the next process at once."""
    eio = app[SIO].eio
    # Not eio.disconnect(): it waits for each socket's send queue to drain, which never
    # happens for a socket whose browser is already gone, and shutdown would hang.
    closing = [
        socket.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
        for socket in list(eio.sockets.values())
    ]
    if closing:
        await asyncio.gather(*closing, return_exceptions=True)
    await app[SIO].shutdown()


def _ice_config(settings: Settings) -> IceConfig:
    return IceConfig(
        settings.stun_urls,
        settings.turn_urls,
        settings.turn_secret,
        transport_policy=settings.ice_transport_policy,
    )


async def _signaling_context(app: web.Application) -> AsyncIterator[None]:
    """The namespaces over the services, and the echo peer, which lives exactly as long
    as the app: closing it releases every tech-check session."""
    settings, clock, auth, sio = app[SETTINGS], app[CLOCK], app[AUTHENTICATOR], app[SIO]
    metrics, store = app[METRICS], app[STORE]
    await store.clear_seats()  # nobody is connected to a process that is just starting
    ice = _ice_config(settings)
    async with EchoService(_echo_config(settings)) as echo:
        app[ECHO] = echo
        metrics.collect_from(EchoCollector(lambda: (echo.resources().sessions, echo.refused)))
        room = RoomNamespace(
            auth, app[ROOMS], app[SESSIONS], clock, ice, on_call_set_up=metrics.call_setup.observe
        )
        sio.register_namespace(room)
        metrics.probe(room_probe(metrics, room.seats_here, store))
        timers, calls, sessions = app[TIMERS], app[CALLS], app[SESSIONS]
        sio.register_namespace(TimerNamespace(auth, timers, calls, sessions, clock))
        sio.register_namespace(BoardNamespace(auth, app[BOARDS], clock))
        sio.register_namespace(MessagesNamespace(auth, app[MESSAGES], clock))
        sio.register_namespace(TechCheckNamespace(auth, store, clock, echo, ice))
        manager = sio.manager
        redis = manager if isinstance(manager, RedisManager) else None
        namespaces = [h for h in sio.namespace_handlers.values() if isinstance(h, Namespace)]
        app[REVOCATIONS].watch(namespaces, redis)
        if redis is not None:
            redis.on_revocation = app[REVOCATIONS].received
        if isinstance(manager, RedisManager):
            # Subscribe now, not at the first connection (upstream's default), so /readyz
            # can tell whether this process hears the others before anyone connects.
            sio.manager_initialized = True
            manager.initialize()
        yield
        if isinstance(manager, RedisManager):
            await manager.aclose()


def _echo_config(settings: Settings) -> EchoConfig:
    # The echo side only needs STUN to learn its public address; the browser gets TURN
    # too (rooms/turn.py), exactly as in a real call, so a relayed path is tested.
    stun = [{"urls": list(settings.stun_urls)}] if settings.stun_urls else []
    return EchoConfig(
        max_sessions=settings.echo_max_sessions,
        max_session_seconds=float(settings.echo_session_seconds),
        ice_servers=stun,
    )


async def _retention_context(app: web.Application) -> AsyncIterator[None]:
    """The retention sweep runs in every process; the store's erasure claim lets exactly
    one of them erase each engagement (docs/program.md)."""
    interval = float(app[SETTINGS].erase_check_seconds)
    task = asyncio.create_task(app[LIFECYCLE].run(interval), name="retention-sweep")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _outbox_context(app: web.Application) -> AsyncIterator[None]:
    """The pages' mail (a password reset link), sent in the background; what is still
    being sent at shutdown is given its timeout, then dropped."""
    mailer = app[MAILER]
    outbox = MailOutbox(mailer) if mailer else None
    app[OUTBOX] = outbox
    yield
    if outbox is not None:
        await outbox.close()


async def _notices_context(app: web.Application) -> AsyncIterator[None]:
    """One notice sender per process; the store's claim lets one of them send each
    notice (server/notices.py)."""
    settings = app[SETTINGS]
    sender = NoticeSender(
        app[NOTICES],
        app[STORE],
        app[MAILER],
        catalogs=app[CATALOGS],
        base_url=settings.base_url,
        clock=app[CLOCK],
    )
    app[NOTICE_SENDER] = sender
    rounds = sender.run(float(settings.notice_check_seconds), float(settings.notice_sweep_seconds))
    task = asyncio.create_task(rounds, name="notices")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
