"""One protocol, three statements of it: signaling/protocol.py (the server), its mirror
web/static/js/protocol.js (the browser) and docs/protocol.md with the namespace pages it
points to (people). Every enum and namespace constant must be the same in all three."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from rooms import errors
from signaling import protocol
from tests.helpers import node_json

ROOT = Path(__file__).resolve().parent.parent
PRINT_EXPORTS = """
const module = await import("./web/static/js/protocol.js");
process.stdout.write(JSON.stringify(module));
"""
# Where each enum's events are described; error codes are all in protocol.md's table.
DOCS = {
    "Event": "protocol.md",
    "ErrorCode": "protocol.md",
    "TimerEvent": "timer.md",
    "TechCheckEvent": "techcheck.md",
    "BoardEvent": "board.md",
    "MessageEvent": "messages.md",
    "RevokeReason": "protocol.md",
    "Asked": "protocol.md",
    "ReplacedReason": "protocol.md",
}


def python_exports() -> dict[str, object]:
    exported: dict[str, object] = {}
    for name in protocol.__all__:
        value = getattr(protocol, name)
        if isinstance(value, type) and issubclass(value, StrEnum):
            exported[name] = {member.name: member.value for member in value}
        elif isinstance(value, str):
            exported[name] = value
    return exported


def test_every_enum_and_namespace_of_the_module_is_exported() -> None:
    """What the comparisons below read is `__all__`: nothing may sit beside it."""
    found = {
        name
        for name, value in vars(protocol).items()
        if (isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum)
        or name.endswith("_NAMESPACE")
    }
    assert found <= set(protocol.__all__)


def js_exports() -> dict[str, object]:
    exported: dict[str, object] = node_json(PRINT_EXPORTS)
    return exported


def test_every_enum_and_namespace_is_the_same_in_python_and_js() -> None:
    python = python_exports()
    assert set(python) >= set(DOCS) | {"ROOM_NAMESPACE", "BOARD_NAMESPACE"}
    assert js_exports() == python


def test_error_codes_are_those_the_exceptions_carry() -> None:
    """Each code is carried by exactly one exception class, except `internal`, which
    signaling/acks.py answers for a bug (no exception of ours means it)."""
    classes = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.TandemError)
    ]
    carried = [cls.code for cls in classes if cls is not errors.TandemError]
    assert len(carried) == len(set(carried)), "two exceptions share a code"
    assert {*carried, protocol.ErrorCode.INTERNAL} == set(protocol.ErrorCode)
    assert protocol.ErrorCode is errors.ErrorCode


@pytest.mark.parametrize("enum", sorted(DOCS))
def test_every_member_is_documented(enum: str) -> None:
    text = (ROOT / "docs" / DOCS[enum]).read_text(encoding="utf-8")
    documented = set(re.findall(r"`([\w:-]+)`", text))
    missing = {member.value for member in getattr(protocol, enum)} - documented
    assert missing == set(), f"docs/{DOCS[enum]} does not name {sorted(missing)}"


def test_every_namespace_is_documented() -> None:
    text = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
    namespaces = [v for k, v in python_exports().items() if k.endswith("_NAMESPACE")]
    assert len(namespaces) == 5
    for namespace in namespaces:
        assert f"| `{namespace}` |" in text


def test_every_error_code_has_a_row_in_the_table() -> None:
    text = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([\w-]+)` \|", text, flags=re.M))
    assert set(protocol.ErrorCode) <= rows
