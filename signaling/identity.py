"""Who is connecting: a coach (session cookie + which engagement) or a client (invite token).

Authentication happens once, at connect; a refused connection learns only a code and a
sentence, never whether an engagement it may not see exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

import socketio

from rooms.accounts import SESSION_COOKIE, Accounts
from rooms.addresses import client_address
from rooms.clock import Clock, wall_clock
from rooms.engagements import Engagements
from rooms.errors import NotFound, TandemError, Unauthorized
from rooms.lifecycle_service import refuse_if_closed
from rooms.models import Engagement, Role
from rooms.revocation import coach_credential, invite_credential, login_credential
from rooms.store import Store
from rooms.throttle import CONNECT_PER_ADDRESS, FailureThrottle


@dataclass(frozen=True, slots=True)
class Identity:
    role: Role
    engagement: Engagement
    # What the socket may stay connected on (rooms/revocation.py): ending any of these
    # disconnects it; a coach's login also ends at `expires_at` (wall-clock seconds).
    credentials: tuple[str, ...] = ()
    expires_at: float | None = None

    @property
    def room(self) -> str:
        return f"engagement:{self.engagement.id}"


class Authenticator:
    def __init__(
        self,
        accounts: Accounts,
        engagements: Engagements,
        store: Store,
        *,
        clock: Clock = wall_clock,
        trust_proxy: bool = False,
    ) -> None:
        self._accounts = accounts
        self._engagements = engagements
        self._store = store
        self._clock = clock
        self._trust_proxy = trust_proxy
        self._refusals = FailureThrottle(store, clock, CONNECT_PER_ADDRESS)

    async def admit(self, environ: dict[str, Any], auth: object) -> Identity:
        """`identify` for a namespace's connect handler: a refusal reaches the browser as
        `connect_error` with `message` and `data` (the wire error, whose `error` code the
        page branches on). One argument would arrive as a stringified dict with no `data`."""
        try:
            return await self.identify(environ, auth)
        except TandemError as error:
            raise socketio.exceptions.ConnectionRefusedError(
                error.message, error.to_wire()
            ) from None

    async def identify(self, environ: dict[str, Any], auth: object) -> Identity:
        """Refused attempts are counted per client address in the store (so in Redis,
        shared by every process) and, past the limit, refused as `throttled`: guessing
        invite links or engagement ids is slowed. A valid credential is admitted whatever
        others behind the same address (a school's or an office's NAT) got wrong."""
        try:
            return await self._identify(environ, auth)
        except Unauthorized:
            # Read only on a refusal: `request.remote` caches itself on the request, which
            # an admitted websocket holds for its whole life.
            await self._refusals.refused(f"connect:{self.address(environ)}")
            raise

    def address(self, environ: dict[str, Any]) -> str:
        """python-engineio puts 127.0.0.1 in REMOTE_ADDR under aiohttp whoever connects;
        the real peer is on the aiohttp request it also passes along."""
        request = environ.get("aiohttp.request")
        remote = getattr(request, "remote", None)
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        return client_address(
            remote if isinstance(remote, str) else None,
            forwarded if isinstance(forwarded, str) else None,
            trust_proxy=self._trust_proxy,
        )

    async def _identify(self, environ: dict[str, Any], auth: object) -> Identity:
        if not isinstance(auth, dict):
            raise Unauthorized("Open this page from your invite link or log in.")
        invite, engagement_id = auth.get("invite"), auth.get("engagement")
        if isinstance(invite, str):
            return await self._client(invite)
        if isinstance(engagement_id, str) and len(engagement_id) <= 64:
            return await self._coach(environ, engagement_id)
        raise Unauthorized("Open this page from your invite link or log in.")

    async def _client(self, token: str) -> Identity:
        found = await self._engagements.open_invite(token)
        if found is None or found[1].value != "active":
            raise Unauthorized("This invite link no longer works. Ask your coach for a new one.")
        # A closed program's link opens its final export and nothing else (docs/program.md):
        # no room, board, timer or tech-check socket either. Not a failed guess: not counted.
        refuse_if_closed(await self._store.closed_at(found[0].id))
        return Identity(Role.CLIENT, found[0], (invite_credential(token),))

    async def _coach(self, environ: dict[str, Any], engagement_id: str) -> Identity:
        token = _cookie(environ, SESSION_COOKIE)
        session = await self._accounts.session(token) if token else None
        if token is None or session is None:
            raise Unauthorized("Your login has expired. Log in again.")
        try:
            engagement = await self._engagements.get(session.coach_id, engagement_id)
        except NotFound as error:
            raise Unauthorized("No such engagement.") from error
        credentials = (login_credential(token), coach_credential(session.coach_id))
        return Identity(Role.COACH, engagement, credentials, session.expires_at)


def _cookie(environ: dict[str, Any], name: str) -> str | None:
    header = environ.get("HTTP_COOKIE", "")
    if not isinstance(header, str) or len(header) > 8192:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel and len(morsel.value) <= 100 else None
