// The goal board's DOM: renders BoardSync's view with textContent and form values only
// (never innerHTML), turns edits into operations, and keeps in step with the server:
// records in version order, a join with `since` after every reconnect, and unconfirmed
// edits resent with their op ids (the server applies an op id once), also after a
// "try-again" refusal (back-pressure), following a short backoff.

import { openSocket } from "./sockets.js";
import { BoardSync, boardStatus, newId, retryDelay } from "./board_state.js";
import { BOARD_NAMESPACE, BoardEvent, ErrorCode } from "./protocol.js";
import { watchRevoked } from "./revoked.js";

const root = document.getElementById("board");
if (root) start(root);

function start(root) {
  const role = root.dataset.role;
  const $ = (id) => document.getElementById(id);
  const text = Object.fromEntries(
    [...root.querySelectorAll("#board-strings [data-key]")].map((el) => [el.dataset.key, el.textContent]),
  );
  const sync = new BoardSync(role);
  const auth = role === "coach" ? { engagement: root.dataset.engagement } : { invite: root.dataset.invite };
  const socket = openSocket(BOARD_NAMESPACE, { auth, reconnectionDelayMax: 4000 });
  watchRevoked(socket);

  // "Up to date" only when it is: the socket may look connected for a while after the
  // network went (its heartbeat takes 40 s), so a dropped call, the browser going offline
  // or an edit left unconfirmed makes the board ask the server, and say so meanwhile.
  // navigator.onLine alone is not trusted (it is false on a machine with only loopback,
  // and true behind a dead Wi-Fi); its "offline" event is, until "online" or an answer.
  const link = { joined: false, doubt: false, probing: false, offline: false };
  function refresh() {
    const key = boardStatus({
      connected: socket.connected,
      online: !link.offline,
      joined: link.joined,
      doubt: link.doubt,
      oldestPendingAt: sync.oldestPendingAt,
      now: Date.now(),
    });
    if (key === "saving") probe();
    if ($("board-status").dataset.state === key) return;
    $("board-status").textContent = text[key] ?? key;
    $("board-status").dataset.state = key;
  }

  async function probe() {
    if (link.probing || !socket.connected || !link.joined) return;
    link.probing = true;
    link.doubt = true;
    refresh();
    const state = editing ? "editing" : "viewing";
    const ack = await socket.timeout(4000).emitWithAck(BoardEvent.PRESENCE, { state }).catch(() => null);
    link.probing = false;
    if (ack?.ok) {
      link.doubt = false;
      link.offline = false;
    } else {
      // No answer: the connection is gone even if the socket has not noticed; a fresh
      // transport rejoins with `since` and resends what is pending.
      link.joined = false;
      socket.io.engine?.close();
    }
    refresh();
  }
  setInterval(refresh, 1000);
  window.addEventListener("offline", () => {
    link.offline = true;
    refresh();
  });
  window.addEventListener("online", () => {
    link.offline = false;
    probe();
  });
  document.addEventListener("tandem:call", (event) => {
    if (event.detail?.dropped) probe();
  });

  function showError(message) {
    const box = $("board-error");
    box.hidden = !message;
    box.textContent = message ? `${text.refused} ${message}` : "";
  }

  function send(op) {
    const entry = sync.propose(op);
    render();
    emitOp(entry);
  }

  function emitOp(entry) {
    if (!socket.connected || !sync.ready) return; // resent after the next join
    socket.emit(BoardEvent.OP, { op_id: entry.op_id, op: entry.op }, (ack) => {
      if (ack?.ok) {
        showError("");
        sync.take(ack.record);
        if (sync.version >= ack.version) sync.drop(entry.op_id); // also a resent duplicate
      } else if (ack?.error === ErrorCode.TRY_AGAIN) {
        // Back-pressure, nothing applied: the same op id again shortly (docs/board.md).
        const wait = retryDelay(entry.refusals ?? 0, ack.retry_after);
        entry.refusals = (entry.refusals ?? 0) + 1;
        setTimeout(() => {
          if (sync.holds(entry.op_id)) emitOp(entry);
        }, wait);
      } else {
        sync.drop(entry.op_id);
        showError(ack?.message ?? "");
      }
      render();
    });
  }

  socket.on("connect", () => {
    link.joined = false;
    refresh();
    const since = sync.ready ? { since: sync.version } : {};
    socket.emit(BoardEvent.JOIN, since, (ack) => {
      if (!ack?.ok) {
        showError(ack?.message ?? "");
        return;
      }
      sync.joined(ack);
      if (ack.private) renderPrivate(ack.private);
      renderPresence(ack.presence);
      link.joined = true;
      link.doubt = false;
      refresh();
      render();
      for (const entry of sync.pending) emitOp(entry);
      if (role === "coach") loadHistory();
    });
  });
  socket.on("disconnect", () => {
    link.joined = false;
    refresh();
  });
  socket.on("connect_error", (error) => {
    refresh();
    if (error?.data?.message) showError(error.data.message);
  });
  socket.on(BoardEvent.APPLIED, (record) => {
    sync.take(record);
    render();
    if (role === "coach") loadHistory();
  });
  socket.on(BoardEvent.PRESENCE, renderPresence);
  socket.on(BoardEvent.PRIVATE, (data) => renderPrivate(data.notes));

  // Presence: "editing" while focus is inside the board.
  let editing = false;
  const setEditing = (value) => {
    if (value === editing || !socket.connected) return;
    editing = value;
    socket.emit(BoardEvent.PRESENCE, { state: value ? "editing" : "viewing" }, () => {});
  };
  root.addEventListener("focusin", () => setEditing(true));
  root.addEventListener("focusout", (event) => setEditing(root.contains(event.relatedTarget)));

  function renderPresence(presence) {
    if (!presence) return;
    const other = role === "coach" ? "client" : "coach";
    $("board-presence").textContent = `${text[other]}: ${text[presence[other]] ?? presence[other]}`;
    $("board-presence").dataset.other = presence[other];
  }

  // ---- reading values out of form controls -------------------------------------------
  function valueOf(el) {
    if (el.type === "checkbox") return el.checked;
    const kind = el.dataset.kind;
    if (kind === "int") return Number.parseInt(el.value, 10);
    if (kind === "due") return el.value || "next-session";
    if (kind === "goal") return el.value || null;
    return el.value;
  }

  function setValue(el, value) {
    if (document.activeElement === el) return; // never overwrite what someone is typing
    if (el.type === "checkbox") el.checked = Boolean(value);
    else if (el.dataset.kind === "due") el.value = value === "next-session" ? "" : value ?? "";
    else el.value = value ?? "";
  }

  // ---- sections (agreement, check-in, review) ----------------------------------------
  for (const el of root.querySelectorAll("[data-section][data-field]")) {
    el.addEventListener("change", () => {
      send({ type: "set", section: el.dataset.section, field: el.dataset.field, value: valueOf(el) });
    });
  }

  // ---- items --------------------------------------------------------------------------
  function bindItem(li, collection) {
    for (const el of li.querySelectorAll("[data-item-field]")) {
      if (el.closest("li") !== li) continue;
      el.addEventListener("change", () => {
        const field = el.dataset.itemField;
        if (collection === "homework" && field === "done") {
          send({ type: "tick", id: li.dataset.id, done: el.checked });
        } else {
          send({ type: "update", collection, id: li.dataset.id, fields: { [field]: valueOf(el) } });
        }
      });
    }
    const remove = li.querySelector(":scope > [data-remove], :scope > .item-edit > [data-remove]");
    remove?.addEventListener("click", () => send({ type: "remove", collection, id: li.dataset.id }));
    const subForm = li.querySelector(":scope > .item-edit > .subgoal-form");
    subForm?.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = subForm.elements.title;
      if (!input.value.trim()) return;
      send({ type: "add", collection: "goals", id: newId(), fields: { title: input.value, parent: li.dataset.id } });
      input.value = "";
    });
  }

  // Keeps `list`'s children equal to `items` (by id, in order), creating from a template.
  function reconcile(list, items, templateId, collection, fill) {
    const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
    let previous = null;
    for (const item of items) {
      let li = existing.get(item.id);
      if (!li) {
        li = $(templateId).content.firstElementChild.cloneNode(true);
        li.dataset.id = item.id;
        if (collection) bindItem(li, collection);
      }
      existing.delete(item.id);
      const want = previous ? previous.nextSibling : list.firstChild;
      if (li !== want) list.insertBefore(li, want);
      li.dataset.pending = String(sync.isPending(item.id));
      fill(li, item);
      previous = li;
    }
    for (const li of existing.values()) li.remove();
  }

  function fillFields(li, item) {
    for (const el of li.querySelectorAll("[data-item-field]")) {
      if (el.closest("li") === li) setValue(el, item[el.dataset.itemField]);
    }
  }

  // ---- the reading view: what the form fields hold, as text and progress bars ----------
  const say = (key, values = {}) =>
    Object.entries(values).reduce((words, [name, value]) => words.replace(`{${name}}`, value), text[key] ?? key);
  const dateText = (iso) => {
    const date = new Date(`${iso}T12:00:00`);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(document.documentElement.lang, { dateStyle: "long" });
  };
  const view = (li, name) => li.querySelector(`:scope > * [data-view="${name}"], :scope > [data-view="${name}"]`);

  function showGoal(li, goal) {
    view(li, "title").textContent = goal.title;
    const status = view(li, "status");
    status.textContent = text[`status-${goal.status}`] ?? goal.status;
    status.dataset.status = goal.status;
    view(li, "progress").value = goal.progress;
    view(li, "progress-text").textContent = say("progress", { n: goal.progress });
    view(li, "target").textContent = goal.target_date ? say("target", { date: dateText(goal.target_date) }) : "";
  }

  function showHomework(li, item, goals) {
    view(li, "text").textContent = item.text;
    const due = item.due === "next-session" ? say("due-next") : say("due-on", { date: dateText(item.due) });
    const goal = goals.find((g) => g.id === item.goal);
    const parts = [text[item.owner] ?? item.owner, due];
    if (goal) parts.push(say("for-goal", { goal: goal.title }));
    view(li, "meta").textContent = `· ${parts.join(" · ")}`;
  }

  function showAgreement(agreement) {
    $("board-agreement-summary").textContent = [
      text[`months-${agreement.program_months}`],
      text[`cadence-${agreement.cadence}`],
      text[`minutes-${agreement.session_minutes}`],
    ].filter(Boolean).join(" · ");
    $("board-agreement-goals-view").textContent = agreement.program_goals;
  }

  function showEmpty(listId, empty) {
    const hint = root.querySelector(`[data-empty-for="${listId}"]`);
    if (hint) hint.hidden = !empty;
  }

  function render() {
    if (!sync.ready) return;
    const board = sync.view();
    for (const el of root.querySelectorAll("[data-section][data-field]")) {
      setValue(el, board[el.dataset.section][el.dataset.field]);
    }
    showAgreement(board.agreement);
    const top = board.goals.filter((g) => !g.parent);
    showEmpty("board-goals", top.length === 0);
    reconcile($("board-goals"), top, "board-goal-template", "goals", (li, goal) => {
      fillFields(li, goal);
      showGoal(li, goal);
      const children = board.goals.filter((g) => g.parent === goal.id);
      reconcile(li.querySelector(".subgoals"), children, "board-goal-template", "goals", (sub, child) => {
        sub.querySelector(".subgoal-form")?.remove();
        fillFields(sub, child);
        showGoal(sub, child);
      });
    });
    showEmpty("board-homework", board.homework.length === 0);
    reconcile($("board-homework"), board.homework, "board-homework-template", "homework", (li, item) => {
      const select = li.querySelector("[data-kind=goal]");
      const options = [...select.options].slice(1);
      if (options.map((o) => o.value + o.textContent).join() !== board.goals.map((g) => g.id + g.title).join()) {
        options.forEach((o) => o.remove());
        for (const goal of board.goals) select.add(new Option(goal.title, goal.id));
      }
      fillFields(li, item);
      showHomework(li, item, board.goals);
    });
    reconcile($("board-notes"), board.notes, "board-note-template", "notes", (li, note) => {
      li.querySelector("[data-note-author]").textContent = text[note.created_by] ?? note.created_by;
      li.querySelector("[data-note-text]").textContent = note.text;
      li.querySelector("[data-remove]").hidden = note.created_by !== role;
    });
    for (const list of root.querySelectorAll("[data-fulfilment]")) {
      const section = list.dataset.fulfilment;
      reconcile(list, board.goals, "board-fulfilment-template", null, (li, goal) => {
        li.querySelector("[data-goal-title]").textContent = goal.title;
        const area = li.querySelector("textarea");
        if (!area.dataset.bound) {
          area.dataset.bound = "1";
          area.addEventListener("change", () => {
            send({ type: "update", collection: "goals", id: li.dataset.id, fields: { [`${section}_fulfilment`]: area.value } });
          });
        }
        setValue(area, goal[`${section}_fulfilment`]);
      });
    }
  }

  function addForm(formId, make) {
    const form = $(formId);
    form?.addEventListener("submit", (event) => {
      event.preventDefault();
      const field = form.elements.title ?? form.elements.text;
      if (!field.value.trim()) return;
      make(field.value);
      field.value = "";
    });
  }
  addForm("board-goal-form", (title) => send({ type: "add", collection: "goals", id: newId(), fields: { title } }));
  addForm("board-homework-form", (value) =>
    send({ type: "add", collection: "homework", id: newId(), fields: { text: value, owner: "client" } }));
  addForm("board-note-form", (value) => send({ type: "add", collection: "notes", id: newId(), fields: { text: value } }));

  // ---- coach only: private notes and history -------------------------------------------
  function renderPrivate(notes) {
    const list = $("board-private");
    if (!list) return;
    reconcile(list, notes, "board-private-template", null, (li, note) => {
      li.querySelector("[data-note-text]").textContent = note.text;
      const remove = li.querySelector("[data-remove]");
      if (!remove.dataset.bound) {
        remove.dataset.bound = "1";
        remove.addEventListener("click", () => {
          socket.emit(BoardEvent.PRIVATE_DELETE, { id: li.dataset.id }, (ack) => ack?.ok && renderPrivate(ack.notes));
        });
      }
    });
  }
  addForm("board-private-form", (value) => {
    socket.emit(BoardEvent.PRIVATE_PUT, { id: newId(), text: value }, (ack) => {
      if (ack?.ok) renderPrivate(ack.notes);
      else showError(ack?.message ?? "");
    });
  });

  function loadHistory() {
    const list = $("board-history");
    if (!list || !$("board-history-part").open) return;
    socket.emit(BoardEvent.HISTORY, {}, (ack) => {
      if (!ack?.ok) return;
      list.replaceChildren(
        ...ack.entries.map((entry) => {
          const li = document.createElement("li");
          const when = new Date(entry.at * 1000).toLocaleString();
          const what = entry.op.collection ?? entry.op.section ?? "homework";
          li.textContent = `${when} · ${text[entry.role]} · ${text[`op-${entry.op.type}`]} · ${what}`;
          return li;
        }),
      );
    });
  }
  $("board-history-part")?.addEventListener("toggle", loadHistory);
}
