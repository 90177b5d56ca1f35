"""Result records (JSON lines with the command and machine) and the printed tables."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.jsonl"


@dataclass
class Recorder:
    """Collects one run's records; every record also goes to the JSON-lines file at once, so
    an interrupted run keeps what it measured."""

    out: Path
    machine: dict[str, object]
    quick: bool
    extra: dict[str, object] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))

    @property
    def bench_command(self) -> str:
        return shlex.join(["python", "-m", "bench", *sys.argv[1:]])

    def add(self, scenario: str, target: str, measure: str, **data: Any) -> dict[str, Any]:
        record = {
            "run": self.run_id,
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": scenario,
            "target": target,
            "measure": measure,
            "quick": self.quick,
            "bench_command": self.bench_command,
            **data,
            "machine": self.machine,
            **self.extra,
        }
        self.records.append(record)
        with self.out.open("a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")
        return record


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]]) -> str:
    """A markdown table: columns are (heading, key) pairs."""
    lines = [f"#### {title}", ""]
    lines.append("| " + " | ".join(h for h, _ in columns) + " |")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(fmt(row.get(key)) for _, key in columns) + " |")
    return "\n".join(lines) + "\n"
