"""Coach accounts: first-run and invited setup, login with throttling, sessions.

Login is throttled per e-mail address and per network address, so guessing one coach's
password and spraying one password over many coaches are both slowed. Failures are kept in
the store (not in process memory) so the limit holds across restarts and processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms import passwords, validation
from rooms.clock import Clock
from rooms.errors import Forbidden, InvalidInput, Throttled
from rooms.models import Coach, LoginSession, SetupLink
from rooms.store import Store
from rooms.tokens import digest, new_token

MAX_DISPLAY_NAME = 120
# The cookie the login-session token travels in; both the web and the signalling edge read it.
SESSION_COOKIE = "tandem_session"


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    session_seconds: float = 12 * 3600
    setup_link_seconds: float = 7 * 24 * 3600
    failures_per_account: int = 5
    failures_per_address: int = 20
    failure_window: float = 15 * 60


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
    def __init__(self, store: Store, clock: Clock, policy: AccountPolicy) -> None:
        self._store = store
        self._clock = clock
        self._policy = policy

    async def register(self, account: NewAccount) -> Coach:
        return await self._store.create_coach(
            email=account.email,
            display_name=account.display_name,
            password_hash=passwords.hash_password(account.password),
            now=self._clock(),
        )

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
        now, policy = self._clock(), self._policy
        keys = (f"account:{email.lower()}", f"address:{address}")
        limits = (policy.failures_per_account, policy.failures_per_address)
        for key, limit in zip(keys, limits, strict=True):
            if await self._store.count_login_failures(key, now, policy.failure_window) >= limit:
                raise Throttled(
                    "Too many failed attempts. Wait a few minutes and try again.",
                    retry_after=policy.failure_window,
                )
        coach = await self._store.coach_by_email(email.lower())
        matches = passwords.verify_password(coach.password_hash if coach else None, password)
        if coach is None or not matches:
            for key in keys:
                await self._store.note_login_failure(key, now, policy.failure_window)
            raise Forbidden("E-mail address or password is wrong.")
        await self._store.clear_login_failures(keys[0])
        token = new_token()
        session = LoginSession(coach.id, new_token(), now + policy.session_seconds)
        await self._store.create_login_session(digest(token), session)
        return token, session

    async def session(self, token: str) -> LoginSession | None:
        return await self._store.login_session(digest(token), self._clock())

    async def logout(self, token: str) -> None:
        await self._store.delete_login_session(digest(token))
