// The board's state on one screen, with no DOM: the server's records applied strictly in
// version order ("confirmed"), plus this screen's own edits not yet confirmed ("pending")
// applied on top for the optimistic view. Mirrors rooms/board/ops.py `apply`; the
// server has already validated every record, so only the effect is repeated here.

function replaceItem(items, id, change) {
  const index = items.findIndex((item) => item.id === id);
  if (index < 0) throw new Error("missing item");
  const copy = items.slice();
  copy[index] = { ...items[index], ...change };
  return copy;
}

export function applyOp(board, op, role, at, defaults) {
  switch (op.type) {
    case "set":
      return { ...board, [op.section]: { ...board[op.section], [op.field]: op.value } };
    case "tick":
      return { ...board, homework: replaceItem(board.homework, op.id, { done: op.done, updated_at: at }) };
    case "add": {
      if (board[op.collection].some((item) => item.id === op.id)) throw new Error("exists");
      const item = { ...defaults[op.collection], ...op.fields, id: op.id, created_by: role, created_at: at, updated_at: at };
      return { ...board, [op.collection]: [...board[op.collection], item] };
    }
    case "update":
      return { ...board, [op.collection]: replaceItem(board[op.collection], op.id, { ...op.fields, updated_at: at }) };
    case "remove": {
      if (op.collection !== "goals") {
        return { ...board, [op.collection]: board[op.collection].filter((item) => item.id !== op.id) };
      }
      const gone = new Set([op.id, ...board.goals.filter((g) => g.parent === op.id).map((g) => g.id)]);
      return {
        ...board,
        goals: board.goals.filter((g) => !gone.has(g.id)),
        homework: board.homework.map((h) => (gone.has(h.goal) ? { ...h, goal: null } : h)),
      };
    }
    default:
      throw new Error(`unknown op ${op.type}`);
  }
}

export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// An own edit not confirmed after this long means the board is not up to date.
export const SAVE_GRACE_MS = 3000;

// What the board's status line may honestly say (issue 16: "Up to date" only when it is).
// `connected`: the socket; `online`: no "offline" event since the last answer; `joined`: the join ack came;
// `doubt`: something (the call dropping, a stalled edit) made us ask the server and no
// answer has come yet; `oldestPendingAt`: when the oldest unconfirmed own edit was made.
export function boardStatus({ connected, online, joined, doubt, oldestPendingAt, now }) {
  if (!connected || !online) return "offline";
  if (!joined) return "connecting";
  if (oldestPendingAt != null && now - oldestPendingAt >= SAVE_GRACE_MS) return "saving";
  if (doubt) return "checking";
  return "live";
}

// An edit answered "try-again" (the server's board backlog is full; nothing was applied)
// stays pending and is sent again with the same op id after retryDelay: the server's
// hint, doubled per refusal up to RETRY_MAX_MS, ±50 % so screens refused together do not
// all come back together. The server applies an op id once, so a resend cannot double it.
export const RETRY_MAX_MS = 3000;

export function retryDelay(attempt, hintSeconds = 0.2, random = Math.random) {
  const first = Math.max(50, (hintSeconds ?? 0.2) * 1000);
  const base = Math.min(RETRY_MAX_MS, first * 2 ** Math.min(attempt, 8));
  return Math.round(base * (0.5 + random()));
}

export class BoardSync {
  constructor(role) {
    this.role = role;
    this.confirmed = null;
    this.version = -1;
    this.defaults = {};
    this.waiting = new Map();
    this.pending = []; // [{op_id, op}] in the order they were made
  }

  get ready() {
    return this.confirmed !== null;
  }

  // A join ack: either a snapshot or the records since our version.
  joined(ack) {
    this.defaults = ack.defaults;
    if (ack.snapshot) {
      this.confirmed = ack.snapshot;
      this.version = ack.version;
      for (const v of [...this.waiting.keys()]) if (v <= this.version) this.waiting.delete(v);
    }
    for (const record of ack.ops || []) this.take(record);
    this.drain();
  }

  take(record) {
    if (record.version <= this.version) return;
    this.waiting.set(record.version, record);
    this.drain();
  }

  drain() {
    if (!this.ready) return;
    while (this.waiting.has(this.version + 1)) {
      const record = this.waiting.get(this.version + 1);
      this.waiting.delete(this.version + 1);
      this.confirmed = applyOp(this.confirmed, record.op, record.role, record.at, this.defaults);
      this.version = record.version;
      this.pending = this.pending.filter((p) => p.op_id !== record.op_id);
    }
  }

  propose(op, at = Date.now()) {
    const entry = { op_id: newId(), op, at };
    this.pending.push(entry);
    return entry;
  }

  holds(opId) {
    return this.pending.some((p) => p.op_id === opId);
  }

  drop(opId) {
    this.pending = this.pending.filter((p) => p.op_id !== opId);
  }

  get oldestPendingAt() {
    return this.pending.length ? Math.min(...this.pending.map((p) => p.at)) : null;
  }

  isPending(id) {
    return this.pending.some((p) => p.op.id === id);
  }

  // What this screen shows: confirmed plus own edits; an edit that no longer applies (its
  // item was removed meanwhile) is simply not shown and will be refused by the server.
  view() {
    let board = this.confirmed;
    const now = Date.now() / 1000;
    for (const { op } of this.pending) {
      try {
        board = applyOp(board, op, this.role, now, this.defaults);
      } catch {
        // skipped
      }
    }
    return board;
  }
}
