"""The room rehearsal's log (issue 16): parsing its reports, and `rehearsal:save` on the
/techcheck namespace through the real server with real Socket.IO clients."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from rooms.accounts import SESSION_COOKIE
from rooms.errors import InvalidInput
from rooms.rehearsal import RehearsalStep, parse_report
from server.keys import STORE
from signaling.protocol import TECHCHECK_NAMESPACE, TechCheckEvent
from tests.helpers import make_pair
from tests.sockets import Recorder

ALL = [step.value for step in RehearsalStep]
PHONE = [step for step in ALL if step != "screen"]


def test_a_report_names_its_rehearsal_and_only_offered_steps() -> None:
    parsed = parse_report({"id": "reh-12345", "offered": PHONE, "done": ["mute", "leave"]})
    assert parsed.done == {RehearsalStep.MUTE, RehearsalStep.LEAVE}
    assert RehearsalStep.SCREEN not in parsed.offered


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("mute", None),
        ({"id": "reh-12345", "offered": ALL, "extra": 1}, None),
        ({"id": "no", "offered": ALL}, "id"),
        ({"id": "reh 12345", "offered": ALL}, "id"),
        ({"id": "reh-12345", "offered": ALL, "done": ["dance"]}, "done"),
        ({"id": "reh-12345", "offered": "mute"}, "offered"),
        ({"id": "reh-12345", "offered": ALL * 2}, "offered"),
        ({"id": "reh-12345", "offered": ["mute"]}, "done"),  # required steps missing
        ({"id": "reh-12345", "offered": PHONE, "done": ["screen"]}, "done"),
    ],
)
def test_bad_reports_are_refused_with_the_field(payload: object, field: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_report(payload)
    assert refused.value.field == field


async def socket(
    server: TestServer, recorders: list[Recorder], auth: dict[str, str], cookie: str | None = None
) -> Recorder:
    recorder = Recorder(TECHCHECK_NAMESPACE)
    recorders.append(recorder)
    await recorder.connect(str(server.make_url("")), auth, cookie=cookie)
    return recorder


async def test_the_client_logs_progress_and_it_is_no_call(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    client = await socket(server, recorders, {"invite": pair.invite})
    first: dict[str, Any] = await client.call(
        TechCheckEvent.REHEARSAL_SAVE, {"id": "reh-abcdef", "offered": ALL, "done": ["mute"]}
    )
    assert first["ok"] and first["rehearsal"]["done"] == ["mute"]
    assert first["rehearsal"]["complete"] is False
    last = await client.call(
        TechCheckEvent.REHEARSAL_SAVE, {"id": "reh-abcdef", "offered": ALL, "done": ALL}
    )
    assert last["rehearsal"]["complete"] is True
    assert last["rehearsal"]["started_at"] == first["rehearsal"]["started_at"]
    store = server.app[STORE]
    (logged,) = await store.rehearsals_of(pair.engagement_id)
    assert logged.complete and logged.rehearsal_id == "reh-abcdef"
    assert await store.calls_of(pair.engagement_id) == []  # never a session or practice call

    bad = await client.call(TechCheckEvent.REHEARSAL_SAVE, {"id": "reh-abcdef", "offered": 3})
    assert (bad["ok"], bad["error"], bad["field"]) == (False, "invalid", "offered")
    assert len(await store.rehearsals_of(pair.engagement_id)) == 1


async def test_the_coach_cannot_log_a_rehearsal_for_the_client(
    server: TestServer, recorders: list[Recorder]
) -> None:
    pair = await make_pair(server.app)
    coach = await socket(server, recorders, {"engagement": pair.engagement_id}, pair.coach_cookie)
    ack = await coach.call(TechCheckEvent.REHEARSAL_SAVE, {"id": "reh-abcdef", "offered": ALL})
    assert (ack["ok"], ack["error"]) == (False, "forbidden")
    assert await server.app[STORE].rehearsals_of(pair.engagement_id) == []


async def test_the_pages_offer_the_rehearsal_and_say_the_practice_call_needs_the_coach(
    client: TestClient,
) -> None:
    pair = await make_pair(client.app, client="Kari", language="nb")
    home = await (await client.get(f"/i/{pair.invite}")).text()
    assert f'href="/i/{pair.invite}/rehearsal" data-testid="open-rehearsal"' in home
    page = await (await client.get(f"/i/{pair.invite}/rehearsal")).text()
    assert 'data-rehearsal="1"' in page and 'data-testid="rehearsal"' in page
    assert "Øv i videorommet" in page  # the client's language
    assert 'data-testid="practice-notice"' not in page
    assert 'data-testid="session-line"' not in page  # a rehearsal is not a session
    practice = await (await client.get(f"/i/{pair.invite}/room?practice=1")).text()
    assert "Coachen din må også være her" in practice
    assert f'href="/i/{pair.invite}/rehearsal"' in practice
    plain = await (await client.get(f"/i/{pair.invite}/room")).text()
    assert 'data-testid="practice-notice"' not in plain and 'data-rehearsal=""' in plain


async def test_the_coach_sees_the_most_complete_rehearsal(client: TestClient) -> None:
    pair = await make_pair(client.app, client="Kari")
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: pair.coach_cookie})
    before = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert 'data-testid="rehearsal-none"' in before
    store, day = client.app[STORE], 1_764_590_400.0  # 1 December 2025, 12:00 UTC
    full = parse_report({"id": "reh-full01", "offered": ALL, "done": ALL})
    await store.record_rehearsal(pair.engagement_id, full, day)
    half = parse_report({"id": "reh-half01", "offered": ALL, "done": ["mute"]})
    await store.record_rehearsal(pair.engagement_id, half, day + 86_400)  # later, partial
    after = await (await client.get(f"/engagements/{pair.engagement_id}")).text()
    assert "Kari rehearsed the room on December 1, 2025." in after
    assert 'data-complete="true"' in after and "They tried every step." in after
