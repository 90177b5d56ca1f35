"""Markdown and JSON exports of exactly what the requester may see.

The shared board is the same for both sides. Only a coach's export adds the private notes
and the history, and it only does so when the caller passes them: the client's export is
built from the board alone, so it has nothing private to leak.
"""

from __future__ import annotations

import json
from typing import Any

from rooms.agreement import AgreementStatus, AgreementVersion
from rooms.board.labels import (
    FIELDS,
    HEADINGS,
    PHRASES,
    VALUES,
    YES_NO,
    English,
    Translator,
    minutes,
    months,
)
from rooms.board.records import BoardRecord, PrivateNote
from rooms.board.schema import NEXT_SESSION
from rooms.messages import Message
from rooms.messages import export as message_export
from rooms.models import Engagement
from rooms.readable import moment
from rooms.sessions import export as session_export
from rooms.sessions.records import SessionRecord

LONG_AGREEMENT_FIELDS = ("program_goals", "coach_expectations", "client_expectations")


def _accepted_line(version: AgreementVersion, language: str, t: Translator) -> str:
    when = moment(version.accepted_at or 0.0, language)
    values = {"number": version.number, "date": when, "name": _line(version.accepted_name)}
    return t.gettext(PHRASES["accepted"]) % values


def _agreement_document(agreement: AgreementStatus, language: str, t: Translator) -> list[str]:
    lines = [f"## {t.gettext(HEADINGS['coaching_agreement'])}", ""]
    accepted, pending = agreement.accepted, agreement.pending
    lines.append(
        _accepted_line(accepted, language, t) if accepted else t.gettext(PHRASES["not_accepted"])
    )
    if pending is not None:
        lines.append(t.gettext(PHRASES["pending"]) % {"number": pending.number})
    if accepted is not None:
        consent = t.gettext(YES_NO[bool(accepted.consent_contact)])
        lines += ["", "- " + t.gettext(PHRASES["consent"]) % {"answer": consent}]
        lines += ["", _quote(accepted.text)]
    return [*lines, ""]


def _agreement_value(key: str, value: Any, t: Translator) -> str:
    if key == "program_months":
        return months(t, int(value))
    if key == "session_minutes":
        return minutes(t, int(value))
    if key == "cadence":
        return t.gettext(VALUES["cadence"].get(value, str(value)))
    if isinstance(value, bool):
        return t.gettext(YES_NO[value])
    return _line(value)


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
    translator: Translator | None = None,
) -> str:
    """Headings, field names and values in the reader's language (rooms/board/labels.py);
    what people typed goes in verbatim."""
    t = translator or English()
    heading = {key: t.gettext(msgid) for key, msgid in HEADINGS.items()}
    lines = [f"# {heading['board']}: {_line(engagement.client_name)}", ""]
    lines += [heading["version"] % {"number": version}, ""]
    if agreement is not None:
        lines += _agreement_document(agreement, language, t)
    lines += [f"## {heading['agreement']}", ""]
    for key, value in board["agreement"].items():
        label = t.gettext(FIELDS["agreement"].get(key, key))
        if key in LONG_AGREEMENT_FIELDS:
            lines += [f"- {label}:", _quote(value)]
        else:
            lines.append(f"- {label}: {_agreement_value(key, value, t)}")
    lines += ["", f"## {heading['goals']}", ""]
    for goal in board["goals"]:
        lines += _goal_lines(goal, t)
    lines += ["", f"## {heading['homework']}", ""]
    for item in board["homework"]:
        lines.append(_homework_line(item, t))
    lines += ["", f"## {heading['notes']}", ""]
    for note in board["notes"]:
        lines += [f"- {_role(note['created_by'], t)}:", _quote(note["text"])]
    for key in ("checkin", "review"):
        lines += ["", f"## {heading[key]}", ""]
        for goal in board["goals"]:
            lines += [f"- {_line(goal['title'])}:", _quote(goal[f"{key}_fulfilment"])]
        for field, label in FIELDS["review"].items():
            lines += [f"- {t.gettext(label)}:", _quote(board[key][field])]
    if sessions is not None:
        lines += session_export.to_markdown(sessions, language, t)
    if messages is not None:
        lines += message_export.to_markdown(messages, language)
    if private is not None:
        lines += ["", f"## {heading['private']}", ""]
        for private_note in private:
            lines += ["-", _quote(private_note.text)]
    if history is not None:
        lines += ["", f"## {heading['history']}", ""]
        for record in history:
            what = t.gettext(VALUES["op"].get(str(record.op["type"]), str(record.op["type"])))
            lines.append(f"- v{record.version} {_role(record.role.value, t)}: {what}")
    return "\n".join(lines) + "\n"


def _role(role: str, t: Translator) -> str:
    return t.gettext(VALUES["role"].get(role, role))


def _goal_lines(goal: dict[str, Any], t: Translator) -> list[str]:
    depth = "  " if goal["parent"] else ""
    status = t.gettext(VALUES["status"].get(goal["status"], goal["status"]))
    progress = t.gettext(PHRASES["progress"]) % {"percent": goal["progress"]}
    line = f"{depth}- [{status}] {_line(goal['title'])} ({progress})"
    if goal["target_date"]:
        line += ", " + t.gettext(PHRASES["target"]) % {"date": goal["target_date"]}
    lines = [line]
    for key, label in FIELDS["goal"].items():
        if goal[key]:
            lines += [f"{depth}  - {t.gettext(label)}:", _quote(goal[key])]
    return lines


def _homework_line(item: dict[str, Any], t: Translator) -> str:
    mark = "x" if item["done"] else " "
    due = t.gettext(PHRASES["next_session"]) if item["due"] == NEXT_SESSION else item["due"]
    when = t.gettext(PHRASES["due"]) % {"date": due}
    return f"- [{mark}] {_line(item['text'])} ({_role(item['owner'], t)}, {when})"
