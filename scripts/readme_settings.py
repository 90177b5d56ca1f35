"""Rewrite the README's settings table from the code (`tandem config --markdown`)."""

from __future__ import annotations

from pathlib import Path

from server.config import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"

text = README.read_text(encoding="utf-8")
head, rest = text.split(START, 1)
_, tail = rest.split(END, 1)
README.write_text(f"{head}{START}\n{markdown_table()}\n{END}{tail}", encoding="utf-8")
