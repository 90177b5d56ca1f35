"""Coaches, login sessions, one-time setup links and login-failure counts."""

from __future__ import annotations

import sqlite3

import aiosqlite

from rooms.errors import Conflict
from rooms.models import Coach, LinkPurpose, LoginSession, SetupLink
from rooms.store.sqlite.base import SqliteBase
from rooms.tokens import new_id

FAILURE_RETENTION = 24 * 3600.0  # no failure limit looks back further than this

SCHEMA = """
CREATE TABLE IF NOT EXISTS coaches (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    time_zone TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    mail_off INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS setup_links (
    token_digest TEXT PRIMARY KEY,
    email TEXT,
    expires_at REAL NOT NULL,
    purpose TEXT NOT NULL DEFAULT 'setup'
);
CREATE TABLE IF NOT EXISTS login_sessions (
    token_digest TEXT PRIMARY KEY,
    coach_id TEXT NOT NULL REFERENCES coaches(id),
    csrf_token TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);
"""


def _coach(row: sqlite3.Row) -> Coach:
    return Coach(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        time_zone=row["time_zone"],
        language=row["language"],
        mail_off=bool(row["mail_off"]),
    )


class AccountsMixin(SqliteBase):
    async def create_coach(
        self, *, email: str, display_name: str, password_hash: str, now: float
    ) -> Coach:
        coach = Coach(new_id(), email, display_name, password_hash, now)
        try:
            async with self._tx() as db:
                await db.execute(
                    "INSERT INTO coaches (id, email, display_name, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (coach.id, coach.email, coach.display_name, coach.password_hash, now),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict("A coach with this e-mail address exists.", field="email") from exc
        return coach

    async def coach_by_email(self, email: str) -> Coach | None:
        row = await self._one("SELECT * FROM coaches WHERE email = ?", (email,))
        return _coach(row) if row else None

    async def coach_by_id(self, coach_id: str) -> Coach | None:
        row = await self._one("SELECT * FROM coaches WHERE id = ?", (coach_id,))
        return _coach(row) if row else None

    async def set_coach_time_zone(self, coach_id: str, time_zone: str) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE coaches SET time_zone = ? WHERE id = ?", (time_zone, coach_id))

    async def set_coach_language(self, coach_id: str, language: str) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE coaches SET language = ? WHERE id = ?", (language, coach_id))

    async def set_coach_mail_off(self, coach_id: str, off: bool) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE coaches SET mail_off = ? WHERE id = ?", (int(off), coach_id))

    async def count_coaches(self) -> int:
        row = await self._one("SELECT COUNT(*) AS n FROM coaches")
        return int(row["n"]) if row else 0

    async def create_setup_link(self, token_digest: str, link: SetupLink) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO setup_links (token_digest, email, expires_at, purpose)"
                " VALUES (?, ?, ?, ?)",
                (token_digest, link.email, link.expires_at, link.purpose.value),
            )

    async def peek_setup_link(
        self, token_digest: str, now: float, purpose: LinkPurpose = LinkPurpose.SETUP
    ) -> SetupLink | None:
        row = await self._one(
            "SELECT email, expires_at FROM setup_links"
            " WHERE token_digest = ? AND expires_at > ? AND purpose = ?",
            (token_digest, now, purpose.value),
        )
        return SetupLink(row["email"], row["expires_at"], purpose) if row else None

    async def consume_setup_link(
        self, token_digest: str, now: float, purpose: LinkPurpose = LinkPurpose.SETUP
    ) -> SetupLink | None:
        async with self._tx() as db:
            cursor = await db.execute(
                "DELETE FROM setup_links WHERE token_digest = ? AND expires_at > ?"
                " AND purpose = ? RETURNING email, expires_at",
                (token_digest, now, purpose.value),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return SetupLink(row["email"], row["expires_at"], purpose) if row else None

    async def create_login_session(self, token_digest: str, session: LoginSession) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO login_sessions VALUES (?, ?, ?, ?)",
                (token_digest, session.coach_id, session.csrf_token, session.expires_at),
            )

    async def login_session(self, token_digest: str, now: float) -> LoginSession | None:
        row = await self._one(
            "SELECT coach_id, csrf_token, expires_at FROM login_sessions"
            " WHERE token_digest = ? AND expires_at > ?",
            (token_digest, now),
        )
        return LoginSession(row["coach_id"], row["csrf_token"], row["expires_at"]) if row else None

    async def delete_login_session(self, token_digest: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM login_sessions WHERE token_digest = ?", (token_digest,))

    async def note_login_failure(self, key: str, now: float, window: float) -> int:
        async with self._tx() as db:
            # This key's expired failures and anyone's past the retention; not everyone's
            # older than this window, which may be shorter than another key's.
            await db.execute(
                "DELETE FROM login_failures WHERE (key = ? AND at <= ?) OR at <= ?",
                (key, now - window, now - max(window, FAILURE_RETENTION)),
            )
            await db.execute("INSERT INTO login_failures VALUES (?, ?)", (key, now))
            cursor = await db.execute("SELECT COUNT(*) FROM login_failures WHERE key = ?", (key,))
            row = await cursor.fetchone()
            await cursor.close()
        return int(row[0]) if row else 0

    async def count_login_failures(self, key: str, now: float, window: float) -> int:
        row = await self._one(
            "SELECT COUNT(*) AS n FROM login_failures WHERE key = ? AND at > ?", (key, now - window)
        )
        return int(row["n"]) if row else 0

    async def clear_login_failures(self, key: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM login_failures WHERE key = ?", (key,))

    async def coaches(self) -> list[Coach]:
        rows = await self._all("SELECT * FROM coaches ORDER BY created_at, email")
        return [_coach(row) for row in rows]

    async def set_password_hash(self, coach_id: str, password_hash: str) -> bool:
        """Also ends every login session of the coach: a reset locks out whoever had it."""
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE coaches SET password_hash = ? WHERE id = ?", (password_hash, coach_id)
            )
            await db.execute("DELETE FROM login_sessions WHERE coach_id = ?", (coach_id,))
            return cursor.rowcount == 1

    async def delete_coach(self, coach_id: str) -> bool:
        """Refused (Conflict) while the coach still has engagements."""
        async with self._tx() as db:
            async with db.execute(
                "SELECT 1 FROM engagements WHERE coach_id = ? LIMIT 1", (coach_id,)
            ) as cursor:
                if await cursor.fetchone():
                    raise Conflict("Erase this coach's engagements or hand them over first.")
            await db.execute("DELETE FROM login_sessions WHERE coach_id = ?", (coach_id,))
            cursor = await db.execute("DELETE FROM coaches WHERE id = ?", (coach_id,))
            return cursor.rowcount == 1


async def migrate(db: aiosqlite.Connection) -> None:
    """Databases made before coaches had a time zone or a language get the column (empty:
    the default);
    before password resets, setup links get a purpose (all of them were for setup)."""
    async with db.execute("PRAGMA table_info(coaches)") as cursor:
        columns = {row[1] for row in await cursor.fetchall()}
    if "time_zone" not in columns:
        await db.execute("ALTER TABLE coaches ADD COLUMN time_zone TEXT NOT NULL DEFAULT ''")
    if "language" not in columns:
        await db.execute("ALTER TABLE coaches ADD COLUMN language TEXT NOT NULL DEFAULT ''")
    if "mail_off" not in columns:
        await db.execute("ALTER TABLE coaches ADD COLUMN mail_off INTEGER NOT NULL DEFAULT 0")
    async with db.execute("PRAGMA table_info(setup_links)") as cursor:
        columns = {row[1] for row in await cursor.fetchall()}
    if "purpose" not in columns:
        await db.execute("ALTER TABLE setup_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'setup'")
