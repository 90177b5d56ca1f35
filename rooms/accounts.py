"""Coach accounts: first-run and invited setup, login with throttling, sessions.

Login failures are counted per (e-mail address, network address) and per network
address, with backoff (rooms/throttle.py): guessing one coach's password and spraying one
password over many coaches are both slowed, while the coach, from any address that is not
itself over its limit, still logs in with the right password at once. Nobody can lock a
coach out by failing on their account from elsewhere. Failures are kept in the store (not
in process memory) so the limit holds across restarts and processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms import passwords, validation
from rooms.clock import Clock
from rooms.errors import Forbidden, InvalidInput, NotFound
from rooms.models import Coach, LinkPurpose, LoginSession, SetupLink
from rooms.revocation import (
    Revoke,
    RevokeReason,
    coach_credential,
    login_credential,
    revoke_nothing,
)
from rooms.store import Store
from rooms.throttle import (
    LOGIN_PER_ACCOUNT_AND_ADDRESS,
    LOGIN_PER_ADDRESS,
    RESET_PER_ACCOUNT,
    RESET_PER_ADDRESS,
    FailureThrottle,
)
from rooms.tokens import digest, new_token

MAX_DISPLAY_NAME = 120
# The cookie the login-session token travels in; both the web and the signalling edge read it.
SESSION_COOKIE = "tandem_session"


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    session_seconds: float = 12 * 3600
    setup_link_seconds: float = 7 * 24 * 3600
    reset_link_seconds: float = 30 * 60


SPENT_RESET_LINK = "This link has expired or was already used. Ask for a new one."


@dataclass(frozen=True, slots=True)
class NewAccount:
    email: str
    display_name: str
    password: str

    @classmethod
    def parse(cls, data: dict[str, object], *, fixed_email: str | None = None) -> NewAccount:
        address = fixed_email or validation.email(data.get("email"))
        name = validation.text(data.get("display_name"), "display_name", max_len=MAX_DISPLAY_NAME)
        password = data.get("password")
        if not isinstance(password, str) or not password:
            raise InvalidInput("This field is required.", field="password")
        passwords.check_strength(password)
        return cls(address, name, password)


class Accounts:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        policy: AccountPolicy,
        *,
        revoke: Revoke = revoke_nothing,
    ) -> None:
        self._store = store
        self._revoke = revoke  # cuts the coach's connected sockets (rooms/revocation.py)
        self._clock = clock
        self._policy = policy
        self._per_pair = FailureThrottle(store, clock, LOGIN_PER_ACCOUNT_AND_ADDRESS)
        self._per_address = FailureThrottle(store, clock, LOGIN_PER_ADDRESS)
        self._resets_per_account = FailureThrottle(store, clock, RESET_PER_ACCOUNT)
        self._resets_per_address = FailureThrottle(store, clock, RESET_PER_ADDRESS)

    async def register(self, account: NewAccount) -> Coach:
        return await self._store.create_coach(
            email=account.email,
            display_name=account.display_name,
            password_hash=passwords.hash_password(account.password),
            now=self._clock(),
        )

    async def reset_password(self, email: str, password: str) -> Coach:
        """A new password (as strong as at sign-up), and every login session ends."""
        coach = await self._store.coach_by_email(validation.email(email))
        if coach is None:
            raise NotFound("No coach with the e-mail address %(email)s.", params={"email": email})
        passwords.check_strength(password)
        await self._set_password(coach, password)
        return coach

    async def _set_password(self, coach: Coach, password: str) -> None:
        """The store ends every login session; the revocation cuts their open sockets."""
        await self._store.set_password_hash(coach.id, passwords.hash_password(password))
        await self._revoke(coach_credential(coach.id), RevokeReason.PASSWORD_CHANGED)

    async def request_reset(self, raw_email: object, address: str) -> tuple[Coach, str] | None:
        """A reset link for the coach with this address, or None when there is none. Each
        request counts against the e-mail address and the asker's network address whether
        or not the account exists, so neither the answer nor a refusal (Throttled) tells
        whether it does."""
        email = validation.email(raw_email)
        await self._resets_per_address.refused(f"reset-address:{address}")
        await self._resets_per_account.refused(f"reset:{email}")
        coach = await self._store.coach_by_email(email)
        if coach is None:
            return None
        token = new_token()
        expires = self._clock() + self._policy.reset_link_seconds
        link = SetupLink(coach.email, expires, LinkPurpose.RESET)
        await self._store.create_setup_link(digest(token), link)
        return coach, token

    @property
    def reset_link_seconds(self) -> float:
        return self._policy.reset_link_seconds

    async def reset_link(self, token: str) -> SetupLink | None:
        return await self._store.peek_setup_link(digest(token), self._clock(), LinkPurpose.RESET)

    async def complete_reset(self, token: str, password: object) -> Coach:
        """Checks the new password first, then consumes the link, so a weak password does
        not burn it; a used or expired link is Forbidden."""
        if await self.reset_link(token) is None:
            raise Forbidden(SPENT_RESET_LINK)
        if not isinstance(password, str) or not password:
            raise InvalidInput("This field is required.", field="password")
        passwords.check_strength(password)
        link = await self._store.consume_setup_link(digest(token), self._clock(), LinkPurpose.RESET)
        coach = await self._store.coach_by_email(link.email) if link and link.email else None
        if coach is None:
            raise Forbidden(SPENT_RESET_LINK)
        await self._set_password(coach, password)
        return coach

    async def issue_setup_link(self, email: str | None = None) -> str:
        token = new_token()
        expires = self._clock() + self._policy.setup_link_seconds
        await self._store.create_setup_link(digest(token), SetupLink(email, expires))
        return token

    async def setup_link(self, token: str) -> SetupLink | None:
        return await self._store.peek_setup_link(digest(token), self._clock())

    async def complete_setup(self, token: str, data: dict[str, object]) -> Coach:
        """Validates first, then consumes the link, so a typo does not burn it."""
        link = await self.setup_link(token)
        if link is None:
            raise Forbidden("This setup link has expired or was already used.")
        account = NewAccount.parse(data, fixed_email=link.email)
        if await self._store.coach_by_email(account.email) is not None:
            raise InvalidInput("A coach with this e-mail address exists.", field="email")
        if await self._store.consume_setup_link(digest(token), self._clock()) is None:
            raise Forbidden("This setup link has expired or was already used.")
        return await self.register(account)

    async def login(self, email: str, password: str, address: str) -> tuple[str, LoginSession]:
        """Raises Throttled before looking at the password while this address is over a
        limit (for this account or overall), Forbidden for a wrong password."""
        now, policy = self._clock(), self._policy
        pair, anywhere = f"login:{email.lower()}|{address}", f"login-address:{address}"
        await self._per_pair.check(pair)
        await self._per_address.check(anywhere)
        coach = await self._store.coach_by_email(email.lower())
        matches = passwords.verify_password(coach.password_hash if coach else None, password)
        if coach is None or not matches:
            await self._per_pair.failed(pair)
            await self._per_address.failed(anywhere)
            raise Forbidden("E-mail address or password is wrong.")
        await self._per_pair.clear(pair)
        token = new_token()
        session = LoginSession(coach.id, new_token(), now + policy.session_seconds)
        await self._store.create_login_session(digest(token), session)
        return token, session

    async def session(self, token: str) -> LoginSession | None:
        return await self._store.login_session(digest(token), self._clock())

    async def logout(self, token: str) -> None:
        await self._store.delete_login_session(digest(token))
        await self._revoke(login_credential(token), RevokeReason.LOGGED_OUT)
