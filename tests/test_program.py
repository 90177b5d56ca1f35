"""The program's arc through the real app: agreement versions, closing, erasure and the
retention sweep (issue 14, acceptance 3 for the server's own erasure)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from rooms.accounts import SESSION_COOKIE
from rooms.board.labels import FIELDS, HEADINGS
from rooms.errors import Forbidden
from rooms.models import Role
from rooms.readable import moment
from server.keys import AGREEMENTS, BOARDS, LIFECYCLE, STORE
from tests.conftest import ClientFactory
from tests.helpers import FakeClock, Pair, eventually, make_pair
from tests.redis_server import BACKENDS, backend_url
from tests.sockets import Recorder
from web.i18n import Catalogs

DAY = 86_400.0
MARKUP = "<b>bold</b> & <script>alert(1)</script>"


def coach(pair: Pair) -> dict[str, str]:
    return {SESSION_COOKIE: pair.coach_cookie}


async def save(client: TestClient, pair: Pair, text: str) -> int:
    page = f"/engagements/{pair.engagement_id}/agreement"
    token = await csrf_for_coach(client, pair, page)
    response = await client.post(
        page, data={"text": text, "csrf": token}, cookies=coach(pair), allow_redirects=False
    )
    return response.status


async def csrf_for_coach(client: TestClient, pair: Pair, page: str) -> str:
    html = await (await client.get(page, cookies=coach(pair))).text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def accept(client: TestClient, pair: Pair, *, consent: bool = False) -> tuple[int, str]:
    page = f"/i/{pair.invite}/agreement"
    html = await (await client.get(page)).text()
    number = re.search(r'name="version" value="(\d+)"', html)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html)
    assert number and digest, html[:800]
    data = {"version": number.group(1), "digest": digest.group(1), "csrf": _csrf(html)}
    if consent:
        data["consent"] = "yes"
    response = await client.post(page, data=data, allow_redirects=False)
    return response.status, response.headers.get("Location", "") or await response.text()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_the_coach_starts_from_the_template_in_the_clients_language(
    client: TestClient,
) -> None:
    pair = await make_pair(client.app, language="sv")
    html = await (
        await client.get(f"/engagements/{pair.engagement_id}/agreement", cookies=coach(pair))
    ).text()
    assert "Coachningsavtal mellan Kari och Coach" in html
    assert "Tystnadsplikten gäller även efter att programmet har avslutats" in html
    assert "varannan vecka" in html and "90 dagar" in html
    assert 'data-testid="agreement-from-template"' in html


async def test_acceptance_is_per_version_and_a_change_needs_accepting_again(
    client: TestClient, clock: FakeClock
) -> None:
    pair = await make_pair(client.app, language="nb")
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await client.app[BOARDS].apply(
        engagement,
        Role.COACH,
        "op-goal-1",
        {"type": "add", "collection": "goals", "id": "goal-1", "fields": {"title": "Ny jobb"}},
    )
    assert await save(client, pair, f"Avtale\n{MARKUP}") == 303
    home = await (await client.get(f"/i/{pair.invite}")).text()
    assert "Avtale: ikke godtatt ennå." in home
    page = await (await client.get(f"/i/{pair.invite}/agreement")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page

    assert await save(client, pair, "Avtale\nEndret før godkjenning") == 303  # still version 1
    clock.advance(60)
    status, where = await accept(client, pair, consent=True)
    assert status == 303 and where.endswith("?accepted=1")
    versions = await client.app[AGREEMENTS].versions(engagement)
    assert [(v.number, v.accepted, v.accepted_by) for v in versions] == [(1, True, Role.CLIENT)]
    assert versions[0].text == "Avtale\nEndret før godkjenning"
    assert versions[0].consent_contact is True and versions[0].accepted_at == clock.now
    assert [g["title"] for g in versions[0].goals] == ["Ny jobb"]  # the goals as agreed

    assert await save(client, pair, "Avtale\nEn setning er endret") == 303
    page = await (await client.get(f"/i/{pair.invite}/agreement")).text()
    assert 'name="version" value="2"' in page
    assert "Versjon 2 venter på å bli godtatt." in page
    board = await (
        await client.get(f"/engagements/{pair.engagement_id}/board", cookies=coach(pair))
    ).text()
    assert 'data-testid="agreement-status"' in board and 'data-version="1"' in board


async def test_an_edit_while_the_client_reads_is_not_accepted_unseen(client: TestClient) -> None:
    pair = await make_pair(client.app)
    await save(client, pair, "First text")
    html = await (await client.get(f"/i/{pair.invite}/agreement")).text()
    await save(client, pair, "Changed while reading")
    data = {
        "version": re.search(r'name="version" value="(\d+)"', html).group(1),  # type: ignore[union-attr]
        "digest": re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1),  # type: ignore[union-attr]
        "csrf": _csrf(html),
    }
    response = await client.post(f"/i/{pair.invite}/agreement", data=data, allow_redirects=False)
    assert response.status == 409
    assert "changed while you read it" in await response.text()
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    status = await client.app[AGREEMENTS].status(engagement)
    assert status.accepted is None and status.pending is not None


async def test_only_the_client_accepts_and_only_the_coach_edits(client: TestClient) -> None:
    pair = await make_pair(client.app)
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    agreements = client.app[AGREEMENTS]
    with pytest.raises(Forbidden):
        await agreements.save(engagement, Role.CLIENT, "I wrote this")
    version = await agreements.save(engagement, Role.COACH, "Text")
    with pytest.raises(Forbidden):
        await agreements.accept(engagement, Role.COACH, 1, version.digest, False)


async def test_a_closed_program_is_read_only_and_its_link_opens_the_export_only(
    client: TestClient,
) -> None:
    pair = await make_pair(client.app, language="nb")
    await save(client, pair, "Avtaletekst")
    page = f"/engagements/{pair.engagement_id}"
    token = await csrf_for_coach(client, pair, page)
    response = await client.post(
        f"{page}/close", data={"csrf": token}, cookies=coach(pair), allow_redirects=False
    )
    assert response.status == 303
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    op = {"type": "add", "collection": "goals", "id": "goal-9", "fields": {"title": "Late"}}
    for role in Role:
        with pytest.raises(Forbidden, match="closed"):
            await client.app[BOARDS].apply(engagement, role, "op-late-1", op)
    with pytest.raises(Forbidden, match="closed"):
        await client.app[BOARDS].put_private_note(engagement, Role.COACH, "note-1", "x")
    with pytest.raises(Forbidden, match="closed"):
        await client.app[AGREEMENTS].save(engagement, Role.COACH, "Ny tekst")
    for path in ("", "/room", "/board", "/check", "/agreement", "/board/print"):
        html = await (await client.get(f"/i/{pair.invite}{path}")).text()
        assert 'data-testid="program-closed-page"' in html, path
        assert "Programmet ditt er avsluttet" in html
    export = await client.get(f"/i/{pair.invite}/board/export.md")
    assert export.status == 200 and "Avtaletekst" not in await export.text()  # never accepted
    detail = await (await client.get(page, cookies=coach(pair))).text()
    assert 'data-testid="program-closed"' in detail
    board = await (await client.get(f"{page}/board", cookies=coach(pair))).text()
    assert 'data-testid="board-closed"' in board


async def test_erase_now_needs_confirmation_then_leaves_the_invite_unknown(
    client: TestClient,
) -> None:
    pair = await make_pair(client.app)
    other = await make_pair(client.app, client="Other")
    page = f"/engagements/{pair.engagement_id}"
    token = await csrf_for_coach(client, pair, page)
    refused = await client.post(
        f"{page}/erase", data={"csrf": token}, cookies=coach(pair), allow_redirects=False
    )
    assert refused.status == 400
    assert await client.app[STORE].engagement(pair.engagement_id) is not None
    done = await client.post(
        f"{page}/erase",
        data={"csrf": token, "confirm": "erase"},
        cookies=coach(pair),
        allow_redirects=False,
    )
    assert done.status == 303 and done.headers["Location"] == "/dashboard?erased=1"
    assert (await client.get(f"/i/{pair.invite}")).status == 404
    assert (await client.get(page, cookies=coach(pair))).status == 404
    assert (await client.get(f"/i/{other.invite}")).status == 200
    erasures = await client.app[STORE].erasures()
    assert [e.reason.value for e in erasures] == ["request"]
    assert pair.engagement_id not in json.dumps([e.to_json() for e in erasures])


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Requested before the app, so a redis-server outlives the app's teardown."""
    return backend_url(request, request.param, tmp_path)


async def test_a_closed_program_past_its_retention_is_erased_by_the_server(
    url: str, make_client: ClientFactory, clock: FakeClock
) -> None:
    """Two processes on Redis: both sweep, exactly one erases (one erasure record)."""
    redis_url = url if url.startswith("redis://") else ""
    overrides: dict[str, object] = {"erase_check_seconds": 1, "retention_days": 30}
    if redis_url:
        overrides["redis_url"] = redis_url
    first = await make_client(**overrides)
    second = await make_client(**overrides) if redis_url else first
    closed = await make_pair(first.app)
    kept = await make_pair(first.app, client="Still open")
    engagement = await first.app[STORE].engagement(closed.engagement_id)
    assert engagement is not None
    await first.app[LIFECYCLE].close(engagement)
    clock.advance(29 * DAY)
    assert await second.app[LIFECYCLE].sweep() == 0  # not due yet
    assert await first.app[STORE].engagement(closed.engagement_id) is not None

    clock.advance(1 * DAY + 1)  # nobody acts: the servers' own sweeps find it

    async def erased() -> bool:
        return await first.app[STORE].engagement(closed.engagement_id) is None

    await eventually(erased, timeout=60)
    assert (await first.get(f"/i/{closed.invite}")).status == 404
    assert (await second.get(f"/i/{kept.invite}")).status == 200
    records = await second.app[STORE].erasures()
    assert [r.reason.value for r in records] == ["retention"]


async def test_a_closed_programs_link_opens_no_socket(
    server: TestServer, recorders: list[Recorder]
) -> None:
    """Nothing but the final export: no room, board, timer or tech-check connection."""
    pair = await make_pair(server.app)
    base = str(server.make_url("")).rstrip("/")
    board = Recorder("/board")
    recorders.append(board)
    await board.connect(base, {"invite": pair.invite})  # open: admitted
    await board.close()
    engagement = await server.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    await server.app[LIFECYCLE].close(engagement)
    for namespace in ("/room", "/board", "/timer", "/techcheck"):
        refused = Recorder(namespace)
        recorders.append(refused)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(base, {"invite": pair.invite})
    coach = Recorder("/board")  # the coach still reads the (read-only) board
    recorders.append(coach)
    await coach.connect(base, {"engagement": pair.engagement_id}, cookie=pair.coach_cookie)


async def test_a_norwegian_clients_markdown_export_speaks_norwegian_and_keeps_every_field(
    client: TestClient,
) -> None:
    """Issue 14, acceptance 5: headings and labels in nb, every agreement field (the
    cadence too), and the coaching agreement's state."""
    pair = await make_pair(client.app, language="nb")
    engagement = await client.app[STORE].engagement(pair.engagement_id)
    assert engagement is not None
    boards = client.app[BOARDS]
    typed = {
        "program_goals": "Fast jobb innen logistikk",
        "coach_expectations": "Forberedt og ærlig",
        "client_expectations": "Møter opp i tide",
    }
    for n, (field, value) in enumerate(typed.items()):
        role = Role.CLIENT if field == "client_expectations" else Role.COACH
        op = {"type": "set", "section": "agreement", "field": field, "value": value}
        await boards.apply(engagement, role, f"op-agree-{n}", op)
    ack = {"type": "set", "section": "agreement", "field": "confidentiality_ack", "value": True}
    await boards.apply(engagement, Role.CLIENT, "op-agree-ack", ack)
    version = await client.app[AGREEMENTS].save(engagement, Role.COACH, "Avtaleteksten vår")
    accepted = await client.app[AGREEMENTS].accept(engagement, Role.CLIENT, 1, version.digest, True)

    text = await (await client.get(f"/i/{pair.invite}/board/export.md")).text()
    nb = Catalogs().get("nb")
    for key, label in FIELDS["agreement"].items():
        assert f"- {nb.gettext(label)}:" in text, key  # every agreement field, by its nb label
    for raw in ("program_months", "cadence:", "biweekly", "session_minutes", "Goal board"):
        assert raw not in text, raw
    assert "Annenhver uke" in text and "6 måneder" in text  # cadence and length, in words
    for value in typed.values():
        assert value in text
    assert f"## {nb.gettext(HEADINGS['coaching_agreement'])}" in text
    assert f"Versjon 1, godtatt {moment(accepted.accepted_at or 0, 'nb')} av Kari." in text
    assert "Avtaleteksten vår" in text and ": Ja" in text  # the text and the consent
