"""Exports speak the reader's language (issue 16): translated headings, field names and
values, never raw field names such as `program_months: 6` or `due next-session`."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from rooms.board.labels import FIELDS, VALUES
from rooms.board.schema import AGREEMENT, GOAL, GOAL_STATUSES, REVIEW
from rooms.models import Cadence
from tests.boards import fill_board
from tests.helpers import make_pair
from web.i18n import Catalogs

RAW = (
    "program_months",
    "confidentiality_ack",
    "session_minutes",
    "client_expectations",
    "next-session",
    "biweekly",
    "True",
    "False",
    "[active]",
    "action plan:",
    "celebration:",
)


def test_every_exported_field_and_value_has_a_label() -> None:
    assert set(FIELDS["agreement"]) == set(AGREEMENT)
    assert set(FIELDS["review"]) == set(REVIEW)
    long_text = {name for name, field in GOAL.items() if field.kind == "text" and field.limit > 200}
    assert long_text - {"checkin_fulfilment", "review_fulfilment"} == set(FIELDS["goal"])
    assert set(VALUES["cadence"]) == {c.value for c in Cadence}
    assert set(VALUES["status"]) == set(GOAL_STATUSES)


def test_every_label_is_translated() -> None:
    catalogs = Catalogs()
    labels = [label for table in FIELDS.values() for label in table.values()]
    labels += [label for table in VALUES.values() for label in table.values()]
    for language in ("nb", "sv", "nl"):
        missing = [
            m
            for m in labels
            if catalogs.get(language).gettext(m) == m and m not in ("Coach", "Video")
        ]
        assert not missing, (language, missing)


async def test_a_norwegian_clients_markdown_export_reads_as_norwegian(client: TestClient) -> None:
    pair = await make_pair(client.app, language="nb")
    await fill_board(client.app, pair)
    response = await client.get(f"/i/{pair.invite}/board/export.md")
    assert response.status == 200
    text = await response.text()
    for raw in RAW:
        assert raw not in text, raw
    for norwegian in (
        "# Måltavle: Kari",
        "## Mål",
        "## Hjemmeoppgaver",
        "Programmets lengde",
        "6 måneder",
        "Annenhver uke",
        "frist neste økt",
        "40 % gjort",
        "Klienten forstår",
    ):
        assert norwegian in text, (norwegian, text)
    assert "Find a job in logistics" in text  # what people typed is kept as typed


async def test_the_coachs_export_follows_the_coachs_language(client: TestClient) -> None:
    pair = await make_pair(client.app, language="nb")
    await fill_board(client.app, pair)
    client.session.cookie_jar.update_cookies(
        {"tandem_session": pair.coach_cookie, "tandem_lang": "sv"}
    )
    text = await (await client.get(f"/engagements/{pair.engagement_id}/board/export.md")).text()
    assert "# Målöversikt: Kari" in text and "## Hemuppgifter" in text
    assert "Privata anteckningar (bara för coachen)" in text
