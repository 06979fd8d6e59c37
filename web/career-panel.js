// "What I know about you": the aside of the Career Interviewer page that shows
// the career record the interviewer keeps (GET /api/v1/career): the facts it
// took from the user's messages, grouped by kind, and a line on the story being
// told (its plan). The user corrects a fact inline (PATCH, Enter saves, Escape
// cancels) or deletes it (DELETE). Read when the panel opens and, while it is
// open, again after each stored reply (the record may have grown), a deleted
// conversation or a reconnect; a read that started before a change made here
// is dropped. All text is set with textContent.
import { $, describeError, element, onRowAction } from "./dom.js";

/** The kinds of fact, in the order the panel lists them, with their headings. */
const KINDS = [
  ["role", "Roles"], ["employer", "Employers"], ["project", "Projects"], ["challenge", "Challenges"],
  ["action", "What you did"], ["result", "Results"], ["number", "Numbers"], ["person", "People"], ["skill", "Skills"],
];
const KIND_HEADINGS = new Map(KINDS);
/** What an item is called in its buttons' labels ("Edit the role “…”"). */
const kindNoun = (kind) => (KIND_HEADINGS.has(kind) ? kind : "item");
/** The parts of a story as the plan line names them. */
const PART_NAMES = { situation: "situation", task: "task", actions: "what you did", result: "result", reflection: "reflection" };
const RECORD_REFRESH_MS = 300;

/** "Story 2: the migration of your billing system — told: situation, task; next: what you did". */
function planLine(plan) {
  if (!plan || typeof plan.story !== "number") return "";
  const part = (p) => PART_NAMES[p] ?? String(p);
  const told = Array.isArray(plan.told) && plan.told.length ? plan.told.map(part).join(", ") : "nothing yet";
  const subject = plan.subject ? `: ${plan.subject}` : "";
  return `Story ${plan.story}${subject} — told: ${told}${plan.next ? `; next: ${part(plan.next)}` : ""}`;
}

/** One item's row: its text, "(corrected)" if the user edited it, Edit and Delete. */
function recordRow(item) {
  const li = element("li", "record-item");
  li.dataset.id = item.id;
  const text = element("span", "record-text", item.text);
  li.append(text);
  if (item.edited) li.append(element("span", "record-edited", "(corrected)"));
  const noun = kindNoun(item.kind);
  const actions = element("span", "record-actions");
  const edit = element("button", "link-button", "Edit");
  edit.type = "button";
  edit.dataset.action = "edit";
  edit.setAttribute("aria-label", `Edit the ${noun} “${item.text}”`);
  const remove = element("button", "link-button danger-link", "Delete");
  remove.type = "button";
  remove.dataset.action = "delete";
  remove.setAttribute("aria-label", `Delete the ${noun} “${item.text}”`);
  actions.append(edit, remove);
  li.append(actions);
  return li;
}

/** The row of the item with this id, if it is shown. */
function recordItemRow(id) {
  return [...$("record-groups").querySelectorAll("li.record-item")].find((li) => li.dataset.id === id) ?? null;
}

/**
 * Wires the panel (its toggle, close button, item buttons, and Escape) and
 * returns what the chat needs of it: `scheduleRefresh`, to call after a reply
 * is stored, a conversation deleted or the socket reopened. `call` is the
 * page's api() (app.js signedInPage).
 */
export function careerPanel({ call }) {
  const record = {
    open: false,
    items: [],
    plan: null,
    /** The id of the item being corrected, and whether a refresh waits for the edit to end. */
    editing: null,
    stale: false,
    ticket: 0,
    timer: null,
  };

  function showRecordError(message) {
    $("record-error").textContent = message ?? "";
    $("record-error").hidden = !message;
  }

  function openRecord() {
    record.open = true;
    $("record").hidden = false;
    $("record-toggle").setAttribute("aria-expanded", "true");
    $("record").focus();
    refreshRecord();
  }

  function closeRecord() {
    const hadFocus = $("record").contains(document.activeElement);
    record.open = false;
    if (record.editing) {
      // An edit left open is dropped, not saved.
      record.editing = null;
      renderRecord();
    }
    clearTimeout(record.timer);
    $("record").hidden = true;
    $("record-toggle").setAttribute("aria-expanded", "false");
    if (hadFocus) $("record-toggle").focus();
  }

  /** After a reply is stored (the record may have grown), read it again, if the panel is open. */
  function scheduleRecordRefresh() {
    if (!record.open) return;
    clearTimeout(record.timer);
    record.timer = setTimeout(refreshRecord, RECORD_REFRESH_MS);
  }

  /** A change made here is newer than any read in flight: that read's answer is dropped. */
  function dropRecordReads() {
    record.ticket += 1;
    $("record-groups").setAttribute("aria-busy", "false");
  }

  async function refreshRecord() {
    const ticket = ++record.ticket;
    $("record-groups").setAttribute("aria-busy", "true");
    try {
      const result = await call("GET", "/api/v1/career");
      if (ticket !== record.ticket || !record.open) return;
      record.items = Array.isArray(result?.items) ? result.items : [];
      record.plan = result?.plan ?? null;
      showRecordError(null);
      renderRecord();
    } catch (error) {
      if (ticket !== record.ticket || error.status === 401) return;
      showRecordError(`Could not load what the interviewer knows: ${error.message}`);
    } finally {
      if (ticket === record.ticket) $("record-groups").setAttribute("aria-busy", "false");
    }
  }

  /** The record as it is now; an item being corrected is left as it is until the edit ends. */
  function renderRecord() {
    const line = planLine(record.plan);
    if ($("record-plan").textContent !== line) $("record-plan").textContent = line;
    $("record-plan").hidden = !line;
    $("record-empty").hidden = record.items.length > 0;
    $("record-hint").hidden = record.items.length === 0;
    if (record.editing) {
      record.stale = true;
      return;
    }
    record.stale = false;
    const byKind = new Map();
    for (const item of record.items) {
      if (!byKind.has(item.kind)) byKind.set(item.kind, []);
      byKind.get(item.kind).push(item);
    }
    const kinds = [...KINDS.map(([kind]) => kind), ...[...byKind.keys()].filter((k) => !KIND_HEADINGS.has(k))];
    const groups = kinds.filter((kind) => byKind.has(kind)).map((kind) => {
      const section = element("section", "record-group");
      section.dataset.kind = kind;
      const heading = element("h3", null, KIND_HEADINGS.get(kind) ?? kind);
      heading.id = `record-kind-${kind}`;
      const list = element("ul", "record-items");
      list.setAttribute("aria-labelledby", heading.id);
      list.append(...byKind.get(kind).map(recordRow));
      section.append(heading, list);
      return section;
    });
    $("record-groups").replaceChildren(...groups);
  }

  /** Turns an item's row into a one-line form: Enter saves, Escape cancels. */
  function startEdit(id) {
    const item = record.items.find((i) => i.id === id);
    const li = recordItemRow(id);
    if (!item || !li) return;
    if (record.editing && record.editing !== id) endEdit();
    record.editing = id;
    const form = element("form", "record-edit");
    form.noValidate = true;
    const label = element("label", "visually-hidden", `Correct the ${kindNoun(item.kind)}`);
    const input = element("input");
    input.id = `record-input-${id}`;
    label.htmlFor = input.id;
    input.name = "text";
    input.value = item.text;
    input.maxLength = 300;
    input.autocomplete = "off";
    const save = element("button", null, "Save");
    save.type = "submit";
    const cancel = element("button", "secondary", "Cancel");
    cancel.type = "button";
    cancel.dataset.action = "cancel";
    const problem = element("p", "error record-edit-error");
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    input.setAttribute("aria-describedby", `record-edit-error-${id}`);
    problem.id = `record-edit-error-${id}`;
    form.append(label, input, save, cancel, problem);
    li.replaceChildren(form);
    li.classList.add("editing");
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      // Escape leaves the edit, not the panel.
      event.preventDefault();
      event.stopPropagation();
      endEdit({ focus: true });
    });
    cancel.addEventListener("click", () => endEdit({ focus: true }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      saveEdit(id, form);
    });
    input.focus();
    input.select();
  }

  /** Leaves the edit (its row shows the item again); `focus` puts focus back on its Edit button. */
  function endEdit({ focus = false } = {}) {
    const id = record.editing;
    record.editing = null;
    const item = record.items.find((i) => i.id === id);
    const li = id && recordItemRow(id);
    if (record.stale || !item || !li) renderRecord();
    else li.replaceWith(recordRow(item));
    if (focus) {
      const edit = recordItemRow(id)?.querySelector("button[data-action=edit]");
      (edit ?? $("record")).focus();
    }
  }

  async function saveEdit(id, form) {
    const problem = form.querySelector(".record-edit-error");
    const controls = [...form.elements];
    controls.forEach((c) => { c.disabled = true; });
    try {
      const updated = await call("PATCH", `/api/v1/career/items/${encodeURIComponent(id)}`, { text: form.elements.text.value });
      dropRecordReads();
      record.items = record.items.map((i) => (i.id === id ? { ...i, ...updated } : i));
      if (record.editing === id) endEdit({ focus: true });
    } catch (error) {
      if (error.status === 401) return;
      if (error.status === 404) {
        // Deleted meanwhile (another tab): it is gone.
        record.items = record.items.filter((i) => i.id !== id);
        if (record.editing === id) endEdit();
        showRecordError("That item no longer exists.");
        $("record").focus();
        return;
      }
      controls.forEach((c) => { c.disabled = false; });
      problem.textContent = describeError(error);
      problem.hidden = false;
      form.elements.text.focus();
    }
  }

  async function deleteItem(id) {
    const item = record.items.find((i) => i.id === id);
    if (!item) return;
    if (!confirm(`Delete “${item.text}”? The interviewer will no longer use it.`)) return;
    const row = recordItemRow(id);
    const next = row?.nextElementSibling ?? row?.previousElementSibling;
    try {
      await call("DELETE", `/api/v1/career/items/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status === 401) return;
      if (error.status !== 404) {
        showRecordError(`Could not delete it: ${error.message}`);
        return;
      }
    }
    dropRecordReads();
    showRecordError(null);
    record.items = record.items.filter((i) => i.id !== id);
    renderRecord();
    const focusTo = next && recordItemRow(next.dataset.id)?.querySelector("button[data-action=edit]");
    (focusTo ?? $("record")).focus();
  }

  $("record-toggle").addEventListener("click", () => (record.open ? closeRecord() : openRecord()));
  $("record-close").addEventListener("click", () => closeRecord());

  onRowAction($("record-groups"), "li.record-item", "id", { edit: startEdit, delete: deleteItem });

  // Escape closes the panel (an edit in progress takes its own Escape first).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && record.open && !event.defaultPrevented && !event.isComposing) closeRecord();
  });

  return { scheduleRefresh: scheduleRecordRefresh };
}
