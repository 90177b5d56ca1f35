"""The browser's copy of `apply` (web/static/js/board_state.js) folds the server's records
into exactly the server's board: otherwise screens would drift apart silently."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from rooms.board.ops import apply, parse_op
from rooms.board.schema import empty_board, item_defaults
from rooms.errors import TandemError
from rooms.models import Role
from tests.helpers import node_json
from tests.test_board import ENGAGEMENT

ROOT = Path(__file__).resolve().parent.parent
FOLD = """
import { BoardSync } from "./web/static/js/board_state.js";
const input = JSON.parse(await new Promise((ok) => {
  let data = "";
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => ok(data));
}));
const sync = new BoardSync("client");
sync.joined({ snapshot: input.start, version: 0, defaults: input.defaults });
for (const record of input.records.reverse()) sync.take(record);  // worst-case order
process.stdout.write(JSON.stringify({ version: sync.version, board: sync.view() }));
"""


def random_ops(rng: random.Random, n: int) -> list[dict[str, Any]]:
    goals = ["goal-a1", "goal-b2", "goal-c3"]
    ops: list[dict[str, Any]] = []
    for i in range(n):
        gid = rng.choice(goals)
        ops.append(
            rng.choice(
                [
                    {"type": "add", "collection": "goals", "id": gid, "fields": {"title": f"g{i}"}},
                    {
                        "type": "add",
                        "collection": "goals",
                        "id": f"sub-{i:04d}",
                        "fields": {"title": "s", "parent": gid},
                    },
                    {
                        "type": "update",
                        "collection": "goals",
                        "id": gid,
                        "fields": {"progress": i % 101, "why": f"w{i}"},
                    },
                    {"type": "remove", "collection": "goals", "id": gid},
                    {
                        "type": "add",
                        "collection": "homework",
                        "id": f"hw-{i:05d}",
                        "fields": {"text": "t", "goal": gid},
                    },
                    {"type": "set", "section": "review", "field": "celebration", "value": f"c{i}"},
                    {
                        "type": "add",
                        "collection": "notes",
                        "id": f"note-{i:04d}",
                        "fields": {"text": "<b>n</b>"},
                    },
                ]
            )
        )
    return ops


def test_js_fold_equals_the_server_board() -> None:
    rng = random.Random(7)
    board, records = empty_board(ENGAGEMENT), []
    start = board
    for n, raw in enumerate(random_ops(rng, 300)):
        role = rng.choice([Role.COACH, Role.CLIENT])
        op = parse_op(raw)
        try:
            board = apply(board, op, role, float(n))
        except TandemError:
            continue
        records.append(
            {
                "version": len(records) + 1,
                "op_id": f"op-{n:05d}",
                "role": role.value,
                "at": float(n),
                "op": op.to_wire(),
            }
        )
    assert len(records) > 100
    payload = json.dumps({"start": start, "defaults": item_defaults(), "records": records})
    folded = node_json(FOLD, payload)
    assert folded["version"] == len(records)
    assert folded["board"] == board
