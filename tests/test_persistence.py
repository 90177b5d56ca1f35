"""Data created before a restart is there after it (acceptance 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rooms.models import LinkPurpose, SetupLink
from rooms.store import open_store
from tests.conftest import ClientFactory
from tests.helpers import login, make_coach, post_form


async def test_coaches_engagements_and_sessions_survive_a_restart(
    make_client: ClientFactory,
) -> None:
    first = await make_client()
    await make_coach(first, "a@example.org")
    await login(first, "a@example.org")
    status, location = await post_form(
        first,
        "/engagements/new",
        "/engagements",
        {
            "client_name": "Persisted Client",
            "language": "en",
            "program_months": "12",
            "session_minutes": "60",
            "cadence": "monthly",
        },
    )
    assert status == 303
    cookie = first.session.cookie_jar.filter_cookies(first.make_url("/"))["tandem_session"].value
    await first.close()  # runs cleanup: the store is closed like on shutdown

    second = await make_client()
    second.session.cookie_jar.update_cookies({"tandem_session": cookie})
    page = await second.get(location)
    assert page.status == 200
    assert "Persisted Client" in await page.text()
    await second.close()

    third = await make_client()
    assert await login(third, "a@example.org") == 303
    assert "Persisted Client" in await (await third.get("/dashboard")).text()


async def test_a_database_from_before_languages_and_reset_links_is_migrated(
    tmp_path: Path,
) -> None:
    """A coaches table without time_zone, language and mail_off, and setup links without a
    purpose (as older releases made them) open, read and take the new fields."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE coaches (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
                created_at REAL NOT NULL);
            CREATE TABLE setup_links (token_digest TEXT PRIMARY KEY, email TEXT,
                expires_at REAL NOT NULL);
            INSERT INTO coaches VALUES ('c1', 'old@example.org', 'Old', 'h', 1.0);
            INSERT INTO setup_links VALUES ('d1', NULL, 100.0);
            """
        )
    store = await open_store(f"sqlite:///{path}")
    try:
        coach = await store.coach_by_id("c1")
        assert coach is not None and (coach.time_zone, coach.language, coach.mail_off) == (
            "",
            "",
            False,
        )
        await store.set_coach_language("c1", "sv")
        await store.set_coach_mail_off("c1", True)
        coach = await store.coach_by_id("c1")
        assert coach is not None and coach.language == "sv" and coach.mail_off
        assert await store.peek_setup_link("d1", 1.0) == SetupLink(None, 100.0)
        assert await store.peek_setup_link("d1", 1.0, LinkPurpose.RESET) is None
    finally:
        await store.close()
