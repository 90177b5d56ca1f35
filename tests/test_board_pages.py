"""Board pages, print view, exports and the dashboard columns (issue 4, acceptance 3, 4, 6, 7)."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient

from rooms.accounts import SESSION_COOKIE
from rooms.models import Role
from server.keys import BOARDS, STORE
from tests.conftest import ClientFactory
from tests.helpers import FakeClock, Pair, make_pair

SECRET = "PRIVATE-91c2 never for the client"
SCRIPT = "<script>alert('x')</script>"


async def seeded(client: TestClient) -> Pair:
    pair = await make_pair(client.app)
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    boards = client.app[BOARDS]
    await boards.apply(
        engagement,
        Role.COACH,
        "op-goal-1",
        {"type": "add", "collection": "goals", "id": "goal-1", "fields": {"title": SCRIPT}},
    )
    await boards.apply(
        engagement,
        Role.CLIENT,
        "op-hw-001",
        {
            "type": "add",
            "collection": "homework",
            "id": "homework-1",
            "fields": {"text": "Update CV"},
        },
    )
    await boards.put_private_note(engagement, Role.COACH, "private-1", SECRET)
    return pair


def cookies(pair: Pair) -> dict[str, str]:
    return {SESSION_COOKIE: pair.coach_cookie}


async def test_client_pages_and_exports_hold_no_private_notes(client: TestClient) -> None:
    pair = await seeded(client)
    client_paths = [
        f"/i/{pair.invite}/board{suffix}" for suffix in ("", "/print", "/export.md", "/export.json")
    ]
    for path in client_paths:
        response = await client.get(path)
        assert response.status == 200, path
        body = await response.text()
        assert SECRET not in body and "private-1" not in body, path
    client_json = json.loads(await (await client.get(f"/i/{pair.invite}/board/export.json")).text())
    assert set(client_json) == {
        "engagement",
        "version",
        "language",
        "board",
        "agreement_document",
        "sessions",  # the sessions and their recaps (shared board changes only)
        "messages",  # the thread both of them wrote
    }
    assert client_json["board"]["goals"][0]["title"] == SCRIPT
    # the client's room page (with the board panel beside the video) carries none either
    room = await client.get(f"/i/{pair.invite}/room")
    room_page = await room.text()
    assert 'data-testid="board"' in room_page and SECRET not in room_page


async def test_coach_exports_hold_private_notes_and_history(client: TestClient) -> None:
    pair = await seeded(client)
    client.session.cookie_jar.update_cookies(cookies(pair))
    coach_json = json.loads(
        await (await client.get(f"/engagements/{pair.engagement_id}/board/export.json")).text()
    )
    assert coach_json["private_notes"][0]["text"] == SECRET
    assert [r["version"] for r in coach_json["history"]] == [2, 1]
    markdown = await (await client.get(f"/engagements/{pair.engagement_id}/board/export.md")).text()
    assert SECRET in markdown and "Update CV" in markdown
    printed = await (await client.get(f"/engagements/{pair.engagement_id}/board/print")).text()
    assert SECRET in printed


async def test_script_is_escaped_on_the_print_page(client: TestClient) -> None:
    pair = await seeded(client)
    printed = await (await client.get(f"/i/{pair.invite}/board/print")).text()
    assert SCRIPT not in printed and "&lt;script&gt;" in printed


async def test_other_coach_and_bad_links_cannot_open_a_board(client: TestClient) -> None:
    pair = await seeded(client)
    other = await make_pair(client.app, email="other@example.org")
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: other.coach_cookie})
    for suffix in ("", "/print", "/export.json", "/export.md"):
        response = await client.get(f"/engagements/{pair.engagement_id}/board{suffix}")
        assert response.status == 404
        assert SECRET not in await response.text()
    assert (await client.get("/i/" + "x" * 43 + "/board/export.json")).status == 404


async def test_boards_persist_across_a_restart(make_client: ClientFactory) -> None:
    first = await make_client()
    pair = await seeded(first)
    before = await (await first.get(f"/i/{pair.invite}/board/export.json")).text()
    await first.close()
    second = await make_client()
    after = await (await second.get(f"/i/{pair.invite}/board/export.json")).text()
    assert json.loads(after) == json.loads(before) and json.loads(after)["version"] == 2
    engagement = await second.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    notes = await second.app[BOARDS].private_notes(engagement, Role.COACH)
    assert [n.text for n in notes] == [SECRET]


async def test_dashboard_shows_sessions_homework_and_inactivity(
    make_client: ClientFactory, clock: FakeClock
) -> None:
    client = await make_client(inactive_days=3)
    pair = await seeded(client)
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await client.app[BOARDS].apply(
        engagement, Role.CLIENT, "op-tick-01", {"type": "tick", "id": "homework-1", "done": True}
    )
    client.session.cookie_jar.update_cookies(cookies(pair))
    page = await (await client.get("/dashboard")).text()
    assert "0 of 12 held" in page and 'data-done="1"' in page
    assert "engagement-inactive" not in page
    clock.advance(4 * 86400)  # past the login session too: ask the service directly
    progress = await client.app[BOARDS].progress(engagement, client.app[STORE], 3)
    assert progress.inactive is True and progress.homework_done == 1
