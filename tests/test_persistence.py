"""Data created before a restart is there after it (acceptance 5)."""

from __future__ import annotations

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
