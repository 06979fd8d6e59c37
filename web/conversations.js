// The conversations of the Career Interviewer page: the sidebar list (paged,
// newest first, its titles read again after replies since the server names a
// conversation by its subject), and opening, starting and deleting one.
// Opening reads the conversation's whole history (GET …/messages, paged) and
// hands it to chat-state.js; a conversation deleted elsewhere is dropped and
// another one opened. On a narrow screen the list folds into a toggle that
// names the open conversation.
import { $, mergePage, onRowAction } from "./dom.js";
import { adoptHistory, remember, state } from "./chat-state.js";
import { clearMessageList, render } from "./messages-view.js";

const NARROW = window.matchMedia("(max-width: 700px)");

let shownConversations = null;

/** The sidebar as `state` says; the toggle and the heading name the open conversation. */
function renderConversations() {
  const list = $("conversations");
  // Unchanged (a refresh for titles that found none new): leave the rows, and the focus, alone.
  const shown = JSON.stringify([state.currentId, state.nextCursor, state.conversations.map((c) => [c.id, c.title, c.created_at])]);
  if (shown === shownConversations) return;
  shownConversations = shown;
  const rows = state.conversations.map((conversation) => {
    const li = document.createElement("li");
    li.className = "conversation";
    li.dataset.id = conversation.id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "conversation-open";
    open.dataset.action = "open";
    if (conversation.id === state.currentId) open.setAttribute("aria-current", "true");
    const title = document.createElement("span");
    title.className = "conversation-title";
    title.textContent = conversation.title;
    open.append(title);
    const created = new Date(conversation.created_at);
    if (!Number.isNaN(created.getTime())) {
      // Titles default to the day, so the time tells same-day conversations apart.
      const when = document.createElement("span");
      when.className = "conversation-when";
      when.textContent = created.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
      open.append(when);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "conversation-delete";
    remove.dataset.action = "delete";
    remove.setAttribute("aria-label", `Delete ${conversation.title}`);
    remove.title = "Delete this conversation";
    remove.textContent = "×";
    li.append(open, remove);
    return li;
  });
  list.replaceChildren(...rows);
  $("more-conversations").hidden = !state.nextCursor;
  const current = state.conversations.find((c) => c.id === state.currentId);
  $("toggle-conversations").textContent = current ? `☰ ${current.title}` : "☰ Conversations";
  if ($("conversation-title").textContent !== (current?.title ?? "")) $("conversation-title").textContent = current?.title ?? "";
}

/** On a narrow screen, folds the list away (a conversation was chosen). */
function collapseSidebar() {
  $("sidebar").classList.add("collapsed");
  $("toggle-conversations").setAttribute("aria-expanded", "false");
}

/**
 * Wires the sidebar (open, delete, "New conversation", "Show older", the
 * toggle) and returns what the page needs of it: `load` (the first page, or
 * `more`), `open`, `create`, `fetchMessages` and `scheduleRefresh` (titles,
 * after a reply). `call` and `showBanner` are the page's (app.js
 * signedInPage); `onDeleted` runs once a conversation is gone.
 */
export function conversationList({ call, showBanner, onDeleted }) {
  let openTicket = 0;
  let conversationsTimer = null;

  /** Every message of a conversation, oldest first (pages through the whole history). */
  async function fetchMessages(conversationId) {
    const items = [];
    let after = null;
    for (let page = 0; page < 1000; page += 1) {
      const query = after ? `?limit=100&after=${encodeURIComponent(after)}` : "?limit=100";
      const result = await call("GET", `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages${query}`);
      items.push(...result.items);
      if (!result.next_cursor || result.items.length === 0) break;
      after = result.next_cursor;
    }
    return items;
  }

  async function loadConversations(more = false) {
    const query = more && state.nextCursor ? `?limit=50&cursor=${encodeURIComponent(state.nextCursor)}` : "?limit=50";
    const edits = state.listEdits;
    const page = await call("GET", `/api/v1/conversations${query}`);
    if (!more && edits !== state.listEdits) {
      // A conversation was started or deleted here meanwhile: the page is older
      // than the list, so take only its titles.
      const titles = new Map(page.items.map((c) => [c.id, c.title]));
      state.conversations = state.conversations.map((c) => (titles.has(c.id) ? { ...c, title: titles.get(c.id) } : c));
    } else {
      state.conversations = mergePage(state.conversations, page, more);
    }
    if (more || !state.nextCursor) state.nextCursor = page.next_cursor ?? null;
    renderConversations();
  }

  async function newConversation() {
    $("new-conversation").disabled = true;
    try {
      const created = await call("POST", "/api/v1/conversations", {});
      const { messages, ...conversation } = created;
      state.conversations = [conversation, ...state.conversations.filter((c) => c.id !== conversation.id)];
      state.listEdits += 1;
      state.messages.set(conversation.id, new Map());
      for (const m of messages) remember(m);
      renderConversations();
      await openConversation(conversation.id, { fetch: false });
      showBanner(null);
    } catch (error) {
      if (error.status !== 401) showBanner(`Could not start a conversation: ${error.message}`);
    } finally {
      $("new-conversation").disabled = false;
    }
  }

  async function deleteConversation(id) {
    const conversation = state.conversations.find((c) => c.id === id);
    if (!conversation) return;
    if (!confirm(`Delete “${conversation.title}” and all its messages? This cannot be undone.`)) return;
    try {
      await call("DELETE", `/api/v1/conversations/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status === 401) return;
      if (error.status !== 404) return showBanner(`Could not delete the conversation: ${error.message}`);
    }
    state.conversations = state.conversations.filter((c) => c.id !== id);
    state.listEdits += 1;
    state.messages.delete(id);
    for (const entry of state.outbox.entries()) if (entry.conversation_id === id) state.outbox.remove(entry.client_id);
    for (const [mid, conv] of state.awaiting) if (conv === id) state.awaiting.delete(mid);
    for (const [mid, s] of state.streams) if (s.conversationId === id) state.streams.delete(mid);
    renderConversations();
    onDeleted(); // what was learned from it may be gone with it
    if (state.currentId === id) {
      state.currentId = null;
      if (state.conversations.length) await openConversation(state.conversations[0].id);
      else await newConversation();
    }
  }

  async function openConversation(id, { fetch = true } = {}) {
    const ticket = ++openTicket;
    if (state.currentId !== id) {
      state.currentId = id;
      clearMessageList();
    }
    renderConversations();
    collapseSidebar();
    if (fetch || !state.messages.has(id)) {
      $("messages").setAttribute("aria-busy", "true");
      try {
        const items = await fetchMessages(id);
        if (ticket !== openTicket) return;
        adoptHistory(id, items);
        showBanner(null);
      } catch (error) {
        if (ticket !== openTicket || error.status === 401) return;
        if (error.status === 404) {
          // Deleted elsewhere (another tab or device): show another one.
          state.conversations = state.conversations.filter((c) => c.id !== id);
          state.listEdits += 1;
          state.messages.delete(id);
          showBanner("That conversation no longer exists.");
          if (state.conversations.length) return openConversation(state.conversations[0].id);
          return newConversation();
        }
        showBanner(`Could not load the conversation: ${error.message}`);
      }
    }
    if (ticket !== openTicket) return;
    $("messages").setAttribute("aria-busy", "false");
    render({ scroll: true });
    if (!NARROW.matches) $("message-input").focus();
  }

  /**
   * Titles come from the server and may change once the user has said what the
   * conversation is about: after a reply is stored, read the first page again
   * (once for a burst of replies).
   */
  function scheduleConversationsRefresh() {
    clearTimeout(conversationsTimer);
    conversationsTimer = setTimeout(() => {
      conversationsTimer = null;
      loadConversations().catch(() => {
        // Only titles; the next reply tries again.
      });
    }, 800);
  }

  onRowAction($("conversations"), "li", "id", { open: openConversation, delete: deleteConversation });

  $("new-conversation").addEventListener("click", () => newConversation());

  $("more-conversations").addEventListener("click", () => {
    loadConversations(true).catch((error) => {
      if (error.status !== 401) showBanner(`Could not load older conversations: ${error.message}`);
    });
  });

  $("toggle-conversations").addEventListener("click", () => {
    const collapsed = $("sidebar").classList.toggle("collapsed");
    $("toggle-conversations").setAttribute("aria-expanded", String(!collapsed));
  });

  return {
    load: loadConversations,
    open: openConversation,
    create: newConversation,
    fetchMessages,
    scheduleRefresh: scheduleConversationsRefresh,
  };
}
