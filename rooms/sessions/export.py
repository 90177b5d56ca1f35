"""Sessions and their recaps in the engagement's exports (both people's: a recap holds
only shared board changes and agenda times, never a private note)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rooms.board.labels import HEADINGS, VALUES, English, Translator
from rooms.readable import moment
from rooms.sessions.records import SessionRecord, SessionStatus


def to_wire(sessions: Sequence[SessionRecord]) -> list[dict[str, Any]]:
    keep = ("id", "kind", "status", "planned_start", "minutes", "started_at", "ended_at")
    return [
        {
            **{k: v for k, v in s.to_wire().items() if k in keep},
            "together_minutes": round(s.together_seconds / 60),
            "recap": s.recap,
        }
        for s in sessions
    ]


def _change(change: dict[str, Any]) -> str:
    text = " ".join(str(change.get("text", change.get("section", ""))).split())
    value = f" → {change['value']}" if "value" in change else ""
    return f"    - {change['kind']}: {text}{value} ({change.get('role', '')})"


def to_markdown(
    sessions: Sequence[SessionRecord], language: str, translator: Translator | None = None
) -> list[str]:
    """Kinds and statuses in the reader's words, from the exports' one label table."""
    t = translator or English()
    lines = ["", f"## {t.gettext(HEADINGS['sessions'])}", ""]
    for s in sessions:
        at = s.planned_start if s.planned_start is not None else s.started_at
        when = moment(at, language) if at is not None else "—"
        held = f", {round(s.together_seconds / 60)} min" if s.status is SessionStatus.HELD else ""
        kind = t.gettext(VALUES["session_kind"][s.kind.value])
        status = t.gettext(VALUES["session_status"][s.status.value])
        lines.append(f"- {when} · {kind} · {status}{held}")
        if s.recap:
            lines += [_change(c) for c in s.recap.get("changes", [])]
            for phase in s.recap.get("phases", []):
                lines.append(f"    - {phase['name']}: {round(phase['seconds'] / 60)} min")
    return lines
