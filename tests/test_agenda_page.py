"""The coach's agenda form on the engagement's pages (issue 5)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from rooms.timer import DEFAULT_AGENDA
from server.keys import STORE
from tests.helpers import Pair, login, make_pair, post_form


async def logged_in_pair(client: TestClient) -> Pair:
    pair = await make_pair(client.app)
    assert await login(client, "coach@example.org") == 303
    return pair


def rows(*phases: tuple[str, str]) -> dict[str, str]:
    form: dict[str, str] = {}
    for index, (name, minutes) in enumerate(phases):
        form[f"name_{index}"], form[f"minutes_{index}"] = name, minutes
    return form


async def test_the_form_shows_the_default_and_saves_a_new_agenda(client: TestClient) -> None:
    pair = await logged_in_pair(client)
    page = f"/engagements/{pair.engagement_id}/agenda"
    html = await (await client.get(page)).text()
    assert 'value="Review homework"' in html and html.count('data-testid="agenda-row"') == 8
    assert (
        'data-testid="edit-agenda"'
        in await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    )

    status, location = await post_form(
        client, page, page, rows(("Arrive", "10"), ("", ""), ("Plan <b>", "50"))
    )
    assert (status, location) == (303, f"{page}?saved=1")
    stored = await client.app[STORE].agenda_get(pair.engagement_id)
    assert stored is not None and stored.to_wire() == [
        {"name": "Arrive", "minutes": 10},
        {"name": "Plan <b>", "minutes": 50},
    ]
    html = await (await client.get(f"{page}?saved=1")).text()
    assert 'data-testid="agenda-saved"' in html and "Plan &lt;b&gt;" in html


async def test_a_bad_agenda_is_refused_and_keeps_the_old_one(client: TestClient) -> None:
    pair = await logged_in_pair(client)
    page = f"/engagements/{pair.engagement_id}/agenda"
    for form in (rows(), rows(("Arrive", "lots")), rows(("Tiny", "1"), ("Huge", "240"))):
        status, html = await post_form(client, page, page, form)
        assert status == 400 and 'data-testid="agenda-error"' in html
    assert await client.app[STORE].agenda_get(pair.engagement_id) is None
    assert DEFAULT_AGENDA.items[0].name == "Check-in"


async def test_another_coach_cannot_see_or_change_the_agenda(client: TestClient) -> None:
    pair = await make_pair(client.app)
    await make_pair(client.app, email="other@example.org")
    assert await login(client, "other@example.org") == 303
    page = f"/engagements/{pair.engagement_id}/agenda"
    assert (await client.get(page)).status == 404
    status, _ = await post_form(client, "/dashboard", page, rows(("Mine", "60")))
    assert status == 404
    assert await client.app[STORE].agenda_get(pair.engagement_id) is None
