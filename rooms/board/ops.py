"""Board operations: parsed from untrusted input, permission-checked, applied purely.

Operations are field-level, so two people editing different fields of one item both keep
their edit; when two edit the same field, the one the server applies last wins, and since
every screen applies the server's order, every screen ends with the same board.

    {"type": "set",    "section": s, "field": f, "value": v}
    {"type": "add",    "collection": c, "id": i, "fields": {...}}
    {"type": "update", "collection": c, "id": i, "fields": {...}}
    {"type": "remove", "collection": c, "id": i}
    {"type": "tick",   "id": i, "done": bool}          (homework)

`apply` never mutates its input: a refused operation leaves the board exactly as it was.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass
from typing import Any

from rooms import validation
from rooms.board.schema import (
    COLLECTIONS,
    MAX_CHILD_GOALS,
    NEXT_SESSION,
    SECTIONS,
    Collection,
    Field,
)
from rooms.errors import Conflict, Forbidden, InvalidInput, NotFound
from rooms.models import Role

ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{6,40}$")
OP_TYPES = ("set", "add", "update", "remove", "tick")


@dataclass(frozen=True, slots=True)
class Op:
    type: str
    target: str = ""  # section or collection
    id: str = ""
    field: str = ""
    value: Any = None
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        if self.type == "set":
            return {"type": "set", "section": self.target, "field": self.field, "value": self.value}
        if self.type == "tick":
            return {"type": "tick", "id": self.id, "done": self.value}
        wire: dict[str, Any] = {"type": self.type, "collection": self.target, "id": self.id}
        if self.type in ("add", "update"):
            wire["fields"] = dict(self.fields)
        return wire


def item_id(value: object, name: str = "id") -> str:
    if not isinstance(value, str) or not ITEM_ID.match(value):
        raise InvalidInput("Expected an id of 6 to 40 letters, digits, - or _.", field=name)
    return value


def parse_op(raw: object) -> Op:
    """Shape and values only; whether the op fits the current board is `apply`'s job."""
    if not isinstance(raw, dict):
        raise InvalidInput("Expected an object.", field="op")
    kind = raw.get("type")
    if kind not in OP_TYPES:
        raise InvalidInput("Unknown operation.", field="type")
    if kind == "set":
        section = _known(raw.get("section"), SECTIONS, "section")
        name = _known(raw.get("field"), SECTIONS[section], "field")
        return Op(
            "set", section, field=name, value=clean(SECTIONS[section][name], raw.get("value"), name)
        )
    if kind == "tick":
        done = raw.get("done")
        if not isinstance(done, bool):
            raise InvalidInput("Expected true or false.", field="done")
        return Op("tick", "homework", id=item_id(raw.get("id")), value=done)
    collection = _known(raw.get("collection"), COLLECTIONS, "collection")
    ident = item_id(raw.get("id"))
    if kind == "remove":
        return Op("remove", collection, id=ident)
    spec = COLLECTIONS[collection]
    fields = raw.get("fields")
    if not isinstance(fields, dict) or not fields or len(fields) > len(spec.fields):
        raise InvalidInput("Expected the fields to change.", field="fields")
    cleaned = {
        _known(name, spec.fields, "fields"): clean(spec.fields[name], value, name)
        for name, value in fields.items()
    }
    if kind == "add":
        for name, f in spec.fields.items():
            if f.required and name not in cleaned:
                raise InvalidInput("This field is required.", field=name)
    return Op(kind, collection, id=ident, fields=cleaned)


def _known(value: object, table: dict[str, Any], name: str) -> str:
    if not isinstance(value, str) or value not in table:
        raise InvalidInput("Unknown field or section.", field=name)
    return value


def clean(spec: Field, value: object, name: str) -> Any:
    """One field's value, checked against its kind and cap."""
    if spec.kind == "text":
        return validation.text(value, name, max_len=spec.limit, required=spec.required)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidInput("Expected true or false.", field=name)
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= spec.limit:
            raise InvalidInput(
                "Expected a whole number from 0 to %(max)s.", field=name, params={"max": spec.limit}
            )
        return value
    if spec.kind == "choice":
        if isinstance(value, bool) or value not in spec.choices:
            shown = ", ".join(str(c) for c in spec.choices)
            raise InvalidInput("Choose one of: %(options)s.", field=name, params={"options": shown})
        return value
    if spec.kind == "date":
        return "" if value in ("", None) else _date(value, name)
    if spec.kind == "due":
        return NEXT_SESSION if value in (NEXT_SESSION, None) else _date(value, name)
    return None if value in ("", None) else item_id(value, name)  # goal-ref


def _date(value: object, name: str) -> str:
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise InvalidInput("Enter a date as YYYY-MM-DD.", field=name)


def apply(board: dict[str, Any], op: Op, role: Role, at: float) -> dict[str, Any]:
    """The board after `op` by `role` at time `at`; raises (changing nothing) if refused."""
    if op.type == "set":
        if role not in SECTIONS[op.target][op.field].editors:
            raise Forbidden("You may not change this field.", field=op.field)
        section = {**board[op.target], op.field: op.value}
        return {**board, op.target: section}
    if op.type == "tick":
        return _update(board, "homework", op.id, {"done": op.value}, role, at)
    if op.type == "add":
        return _add(board, op, role, at)
    if op.type == "update":
        return _update(board, op.target, op.id, op.fields, role, at)
    return _remove(board, op.target, op.id, role)


def _find(items: list[dict[str, Any]], ident: str) -> int:
    for index, item in enumerate(items):
        if item["id"] == ident:
            return index
    raise NotFound("This item no longer exists.")


def _check_fields(
    board: dict[str, Any], spec: Collection, fields: dict[str, Any], role: Role
) -> None:
    for name, value in fields.items():
        if role not in spec.fields[name].editors:
            raise Forbidden("You may not change this field.", field=name)
        is_ref = spec.fields[name].kind == "goal-ref" and value is not None
        if is_ref and not any(goal["id"] == value for goal in board["goals"]):
            raise InvalidInput("That goal does not exist.", field=name)


def _add(board: dict[str, Any], op: Op, role: Role, at: float) -> dict[str, Any]:
    spec = COLLECTIONS[op.target]
    items: list[dict[str, Any]] = board[op.target]
    if role not in spec.adders:
        raise Forbidden("You may not add this.")
    if any(item["id"] == op.id for item in items):
        raise Conflict("An item with this id already exists.")
    if len(items) >= spec.max_items:
        raise InvalidInput(
            "This board already holds %(max)s of these; remove one first.",
            params={"max": spec.max_items},
        )
    _check_fields(board, spec, op.fields, role)
    parent = op.fields.get("parent")
    if op.target == "goals" and parent is not None:
        if next(g for g in items if g["id"] == parent)["parent"] is not None:
            raise InvalidInput("An intermediate goal cannot have its own.", field="parent")
        if sum(1 for g in items if g["parent"] == parent) >= MAX_CHILD_GOALS:
            raise InvalidInput(
                "A goal has at most %(max)s intermediate goals.",
                field="parent",
                params={"max": MAX_CHILD_GOALS},
            )
    item = {name: f.default for name, f in spec.fields.items()}
    item.update(op.fields)
    item.update(id=op.id, created_by=role.value, created_at=at, updated_at=at)
    return {**board, op.target: [*items, item]}


def _update(
    board: dict[str, Any], name: str, ident: str, fields: dict[str, Any], role: Role, at: float
) -> dict[str, Any]:
    spec = COLLECTIONS[name]
    items: list[dict[str, Any]] = board[name]
    index = _find(items, ident)
    if spec.author_only and items[index]["created_by"] != role.value:
        raise Forbidden("Only its author may change this.")
    for key in fields:
        if spec.fields[key].on_add_only:
            raise InvalidInput("This cannot be changed after adding.", field=key)
    _check_fields(board, spec, fields, role)
    changed = [*items]
    changed[index] = {**items[index], **fields, "updated_at": at}
    return {**board, name: changed}


def _remove(board: dict[str, Any], name: str, ident: str, role: Role) -> dict[str, Any]:
    spec = COLLECTIONS[name]
    items: list[dict[str, Any]] = board[name]
    item = items[_find(items, ident)]
    if role not in spec.removers or (spec.author_only and item["created_by"] != role.value):
        raise Forbidden("You may not remove this.")
    if name != "goals":
        return {**board, name: [i for i in items if i["id"] != ident]}
    # A goal takes its intermediate goals with it; homework linked to them stays, unlinked.
    gone = {ident} | {g["id"] for g in items if g["parent"] == ident}
    homework = [{**h, "goal": None} if h["goal"] in gone else h for h in board["homework"]]
    return {**board, "goals": [g for g in items if g["id"] not in gone], "homework": homework}
