"""Markdown and JSON exports of exactly what the requester may see.

The shared board is the same for both sides. Only a coach's export adds the private notes
and the history, and it only does so when the caller passes them: the client's export is
built from the board alone, so it has nothing private to leak.
"""

from __future__ import annotations

import json
from typing import Any

from rooms.agreement import AgreementStatus, AgreementVersion
from rooms.board.records import BoardRecord, PrivateNote
from rooms.messages import Message
from rooms.messages import export as message_export
from rooms.models import Engagement
from rooms.readable import moment
from rooms.sessions import export as session_export
from rooms.sessions.records import SessionRecord

SECTION_TITLES = (("checkin", "Mid-program check-in"), ("review", "Final review"))
LONG_AGREEMENT_FIELDS = ("program_goals", "coach_expectations", "client_expectations")


def _accepted_line(version: AgreementVersion, language: str) -> str:
    when = moment(version.accepted_at or 0.0, language)
    return f"Version {version.number}, accepted on {when} by {_line(version.accepted_name)}."


def _agreement_document(agreement: AgreementStatus, language: str) -> list[str]:
    lines = ["## Coaching agreement", ""]
    accepted, pending = agreement.accepted, agreement.pending
    lines.append(_accepted_line(accepted, language) if accepted else "Not yet accepted.")
    if pending is not None:
        lines.append(f"Version {pending.number} waits to be accepted.")
    if accepted is not None:
        consent = "yes" if accepted.consent_contact else "no"
        lines += ["", f"- Contact details may be shared with a certifying body: {consent}"]
        lines += ["", _quote(accepted.text)]
    return [*lines, ""]


def to_json(
    engagement: Engagement,
    version: int,
    board: dict[str, Any],
    *,
    private: list[PrivateNote] | None = None,
    history: list[BoardRecord] | None = None,
    agreement: AgreementStatus | None = None,
    language: str = "en",
    sessions: list[SessionRecord] | None = None,
    messages: list[Message] | None = None,
) -> str:
    """`language` is the reader's, as in the Markdown export: JSON keys stay field names."""
    document: dict[str, Any] = {
        "engagement": {"id": engagement.id, "client": engagement.client_name},
        "version": version,
        "language": language,
        "board": board,
    }
    if agreement is not None:
        document["agreement_document"] = {
            "accepted": agreement.accepted.to_wire() if agreement.accepted else None,
            "pending": agreement.pending.to_wire() if agreement.pending else None,
        }
    if sessions is not None:
        document["sessions"] = session_export.to_wire(sessions)
    if messages is not None:
        document["messages"] = message_export.to_wire(messages)
    if private is not None:
        document["private_notes"] = [note.to_wire() for note in private]
    if history is not None:
        document["history"] = [record.to_wire() for record in history]
    return json.dumps(document, ensure_ascii=False, indent=2)


def _quote(text: str) -> str:
    """Markdown is a plain-text format: the text goes in verbatim, indented under its item,
    so nothing a participant typed can become a heading of the export."""
    return "\n".join(f"    {line}" for line in text.splitlines()) if text else "    —"


def _line(text: object) -> str:
    return " ".join(str(text).split())


def to_markdown(
    engagement: Engagement,
    version: int,
    board: dict[str, Any],
    *,
    private: list[PrivateNote] | None = None,
    history: list[BoardRecord] | None = None,
    agreement: AgreementStatus | None = None,
    language: str = "en",
    sessions: list[SessionRecord] | None = None,
    messages: list[Message] | None = None,
) -> str:
    fields = board["agreement"]
    lines = [f"# Goal board: {engagement.client_name}", "", f"Version {version}", ""]
    if agreement is not None:
        lines += _agreement_document(agreement, language)
    lines += ["## Agreement", ""]
    for key, value in fields.items():
        if key in LONG_AGREEMENT_FIELDS:
            lines += [f"- {key}:", _quote(value)]
        else:
            lines.append(f"- {key}: {_line(value)}")
    lines += ["", "## Goals", ""]
    for goal in board["goals"]:
        depth = "  " if goal["parent"] else ""
        lines.append(
            f"{depth}- [{goal['status']}] {_line(goal['title'])} ({goal['progress']}%)"
            + (f", target {goal['target_date']}" if goal["target_date"] else "")
        )
        for key in ("description", "why", "success"):
            if goal[key]:
                lines += [f"{depth}  - {key}:", _quote(goal[key])]
    lines += ["", "## Homework", ""]
    for item in board["homework"]:
        mark = "x" if item["done"] else " "
        lines.append(f"- [{mark}] {_line(item['text'])} ({item['owner']}, due {item['due']})")
    lines += ["", "## Session notes", ""]
    for note in board["notes"]:
        lines += [f"- {note['created_by']}:", _quote(note["text"])]
    for key, title in SECTION_TITLES:
        lines += ["", f"## {title}", ""]
        for goal in board["goals"]:
            lines += [f"- {_line(goal['title'])}:", _quote(goal[f"{key}_fulfilment"])]
        lines += ["- celebration:", _quote(board[key]["celebration"])]
        lines += ["- action plan:", _quote(board[key]["action_plan"])]
    if sessions is not None:
        lines += session_export.to_markdown(sessions, language)
    if messages is not None:
        lines += message_export.to_markdown(messages, language)
    if private is not None:
        lines += ["", "## Private notes (coach only)", ""]
        for private_note in private:
            lines += ["-", _quote(private_note.text)]
    if history is not None:
        lines += ["", "## History (coach only)", ""]
        for record in history:
            lines.append(f"- v{record.version} {record.role.value}: {_line(record.op['type'])}")
    return "\n".join(lines) + "\n"
