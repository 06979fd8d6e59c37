// The Career Interviewer chat: a list of conversations, the open conversation's
// messages, and a composer. History comes over REST; talking happens on the
// WebSocket (chat.send → chat.ack, chat.message, chat.delta…, chat.done).
//
// Messages typed while offline wait in an outbox in localStorage and are resent
// (same client_id, so never twice) when the socket opens; an ack removes them.
// A reply that was streaming when the socket dropped is resumed from the next
// piece. User text is rendered with textContent; the interviewer's replies as a
// small safe Markdown subset (markdown.js: DOM nodes, never innerHTML).
//
// "What I know about you" (an aside) shows the career record the interviewer
// keeps (GET /api/v1/career): the facts grouped by kind, the plan of the story
// being told; the user corrects a fact inline or deletes it.
import { connect, session } from "./api.js";
import { signedInPage } from "./app.js";
import { $, describeError as describeApiError, element } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

const OUTBOX_PREFIX = "debrief.outbox.";
const NARROW = window.matchMedia("(max-width: 700px)");

const state = {
  userId: null,
  conversations: [],
  nextCursor: null,
  currentId: null,
  /** conversation id → Map(message id → message), for conversations opened here. */
  messages: new Map(),
  /** Live messages of the conversation being opened that arrived before its history (id → message, merged). */
  early: new Map(),
  /** reply message id → { conversationId, pieces: [], resumeSent } while streaming. */
  streams: new Map(),
  /** Replies known to be finished (late pieces of these are ignored). */
  finished: new Set(),
  /** user message id → conversation id: stored, and a reply is on its way. */
  awaiting: new Map(),
  /** client_id → error, for stored messages whose reply failed. */
  errors: new Map(),
  /** client_ids sent on the current socket and not yet acknowledged. */
  sent: new Set(),
  opens: 0,
  /** Bumped when a conversation is started or deleted here (a list read before that is stale). */
  listEdits: 0,
};
let live = null;
let order = 0; // local arrival order, for messages whose position is not known yet
let openTicket = 0;

// ---------------------------------------------------------------- helpers

const { goHome, call, showBanner, onState: showConnectionState } = signedInPage({ connection: () => live });

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A person-readable sentence for a chat error: capitalised like dom.js's describeError, plus what the model and a rate limit add. */
function describeError(error) {
  const text = error?.message ? error.message[0].toUpperCase() + error.message.slice(1) : "Something went wrong";
  const wait = error?.details?.retry_after_secs;
  const sentence = /[.!?]$/.test(text) ? text : `${text}.`;
  if (error?.code?.startsWith("model_")) return `The interviewer could not answer. ${sentence}${wait ? ` Retry in ${wait} s.` : ""}`;
  if (wait) return `${sentence} You can retry in ${wait} s.`;
  return sentence;
}

// ---------------------------------------------------------------- outbox (localStorage, shared by tabs)

function outboxKey() { return OUTBOX_PREFIX + state.userId; }

function outbox() {
  try {
    const entries = JSON.parse(localStorage.getItem(outboxKey()) || "[]");
    return Array.isArray(entries) ? entries.filter((e) => e && e.client_id && e.conversation_id && typeof e.text === "string") : [];
  } catch {
    return [];
  }
}

function writeOutbox(entries) {
  if (entries.length) localStorage.setItem(outboxKey(), JSON.stringify(entries));
  else localStorage.removeItem(outboxKey());
}

function outboxAdd(entry) {
  writeOutbox([...outbox().filter((e) => e.client_id !== entry.client_id), entry]);
}

function outboxRemove(clientId) {
  const entries = outbox();
  if (entries.some((e) => e.client_id === clientId)) writeOutbox(entries.filter((e) => e.client_id !== clientId));
}

function outboxPatch(clientId, patch) {
  writeOutbox(outbox().map((e) => (e.client_id === clientId ? { ...e, ...patch } : e)));
}

/** Sends a queued message if the socket is open; otherwise it waits for onOpen. */
function sendEntry(entry) {
  const ok = live?.send({ type: "chat.send", client_id: entry.client_id, conversation_id: entry.conversation_id, text: entry.text });
  if (ok) state.sent.add(entry.client_id);
  scheduleRender();
}

function flushOutbox() {
  for (const entry of outbox()) if (!entry.failed) sendEntry(entry);
}

// ---------------------------------------------------------------- messages

function remember(message) {
  const map = state.messages.get(message.conversation_id);
  if (!map) {
    // The history of the open conversation is still loading: keep the message for it.
    if (message.conversation_id === state.currentId) {
      state.early.set(message.id, { ...state.early.get(message.id), ...message });
    }
    return;
  }
  const known = map.get(message.id);
  map.set(message.id, { ...known, ...message, _order: known?._order ?? ++order });
}

function maxPosition(map) {
  let max = 0;
  for (const m of map.values()) if (m.position > max) max = m.position;
  return max;
}

/** The user message a reply in this conversation most likely answers (turns are served in order). */
function oldestAwaiting(conversationId) {
  const map = state.messages.get(conversationId);
  let best = null;
  for (const [id, conv] of state.awaiting) {
    if (conv !== conversationId) continue;
    const m = map?.get(id);
    if (!best || (m && best.m && (m.position ?? Infinity) < (best.m.position ?? Infinity))) best = { id, m };
  }
  return best?.id ?? null;
}

function hasReply(map, userMessageId) {
  for (const m of map.values()) if (m.role === "assistant" && m.reply_to === userMessageId) return true;
  return false;
}

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

/** Replaces what we know of a conversation with the stored history. */
function adoptHistory(conversationId, items) {
  const previous = state.messages.get(conversationId);
  const map = new Map();
  for (const m of items) map.set(m.id, { ...m, _order: previous?.get(m.id)?._order ?? ++order });
  // Keep replies finished here but not in the fetched page yet (a race with chat.done).
  if (previous) for (const [id, m] of previous) if (!map.has(id) && m.role === "assistant" && state.finished.has(id)) map.set(id, m);
  // And what arrived live while the history was loading (stored after the page was read).
  for (const [id, m] of state.early) {
    if (m.conversation_id === conversationId && !map.has(id)) map.set(id, { ...m, _order: ++order });
  }
  state.early.clear();
  state.messages.set(conversationId, map);
  for (const m of items) {
    if (m.client_id) outboxRemove(m.client_id);
    if (m.role === "assistant") {
      state.finished.add(m.id);
      state.streams.delete(m.id);
      if (m.reply_to) state.awaiting.delete(m.reply_to);
    }
  }
  return map;
}

// ---------------------------------------------------------------- conversations

async function loadConversations(more = false) {
  const query = more && state.nextCursor ? `?limit=50&cursor=${encodeURIComponent(state.nextCursor)}` : "?limit=50";
  const edits = state.listEdits;
  const page = await call("GET", `/api/v1/conversations${query}`);
  if (!more && edits !== state.listEdits) {
    // A conversation was started or deleted here meanwhile: the page is older
    // than the list, so take only its titles.
    const titles = new Map(page.items.map((c) => [c.id, c.title]));
    state.conversations = state.conversations.map((c) => (titles.has(c.id) ? { ...c, title: titles.get(c.id) } : c));
  } else if (more) {
    const known = new Set(state.conversations.map((c) => c.id));
    state.conversations.push(...page.items.filter((c) => !known.has(c.id)));
  } else {
    // The first page again; keep the older pages already shown below it.
    const fresh = new Set(page.items.map((c) => c.id));
    const oldest = page.items.length ? Date.parse(page.items[page.items.length - 1].created_at) : 0;
    const older = page.next_cursor ? state.conversations.filter((c) => !fresh.has(c.id) && Date.parse(c.created_at) < oldest) : [];
    state.conversations = [...page.items, ...older];
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
  for (const entry of outbox()) if (entry.conversation_id === id) outboxRemove(entry.client_id);
  for (const [mid, conv] of state.awaiting) if (conv === id) state.awaiting.delete(mid);
  for (const [mid, s] of state.streams) if (s.conversationId === id) state.streams.delete(mid);
  renderConversations();
  scheduleRecordRefresh(); // what was learned from it may be gone with it
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

// ---------------------------------------------------------------- socket

function onState(next) {
  showConnectionState(next);
  if (next === "signed-out") return;
  if (next !== "online") state.sent.clear();
  scheduleRender();
}

async function onOpen() {
  state.opens += 1;
  state.sent.clear();
  flushOutbox();
  scheduleRecordRefresh();
  for (const [messageId, stream] of state.streams) {
    stream.resumeSent = live.send({ type: "chat.resume", message_id: messageId, from_seq: contiguous(stream).count + 1 });
  }
  if (state.opens === 1 || !state.currentId) return;
  // Whatever was said while we were away (other tabs, replies that finished).
  const id = state.currentId;
  try {
    const items = await fetchMessages(id);
    if (state.currentId !== id) return;
    const map = adoptHistory(id, items);
    render();
    // A stored message still waiting, with nothing streaming: ask again (same
    // client_id: the server answers with the stored reply, or generates it).
    const streaming = [...state.streams.values()].some((s) => s.conversationId === id);
    if (!streaming) {
      for (const [mid, conv] of state.awaiting) {
        const m = map.get(mid);
        if (conv === id && m?.client_id && !hasReply(map, mid)) {
          live.send({ type: "chat.send", client_id: m.client_id, conversation_id: id, text: m.content });
        }
      }
    }
  } catch {
    // The next reconnect tries again; the banner shows REST failures elsewhere.
  }
}

function onFrame(frame) {
  switch (frame.type) {
    case "chat.ack": return onAck(frame);
    case "chat.message": return onMessage(frame);
    case "chat.delta": return onDelta(frame);
    case "chat.done":
      onDone(frame);
      scheduleConversationsRefresh();
      return scheduleRecordRefresh();
    case "chat.error": return onChatError(frame);
    case "error": return showBanner(`The server could not handle a request: ${frame.error?.message ?? "unknown error"}`);
    default: return undefined;
  }
}

function onAck({ client_id: clientId, conversation_id: conversationId, message_id: messageId }) {
  const entry = outbox().find((e) => e.client_id === clientId);
  outboxRemove(clientId);
  state.sent.delete(clientId);
  state.errors.delete(clientId);
  const map = state.messages.get(conversationId);
  if (map && !map.has(messageId) && entry) {
    remember({
      // Stored after everything shown so far; the chat.message echo (if this
      // socket gets it) brings the stored position. Left null, the reply (placed
      // at the end by onDone) would sort above the message it answers.
      id: messageId, conversation_id: conversationId, role: "user", content: entry.text,
      position: maxPosition(map) + 1, client_id: clientId, created_at: new Date().toISOString(),
    });
  }
  if (!map || !hasReply(map, messageId)) state.awaiting.set(messageId, conversationId);
  scheduleRender();
}

function onMessage({ conversation_id: conversationId, message }) {
  if (!message?.id) return;
  remember({ ...message, conversation_id: message.conversation_id ?? conversationId });
  if (message.client_id) {
    outboxRemove(message.client_id);
    state.sent.delete(message.client_id);
  }
  const map = state.messages.get(conversationId);
  if (message.role === "user" && !(map && hasReply(map, message.id)) && !state.errors.has(message.client_id)) {
    state.awaiting.set(message.id, conversationId);
  }
  if (message.role === "assistant") {
    state.finished.add(message.id);
    state.streams.delete(message.id);
    if (message.reply_to) state.awaiting.delete(message.reply_to);
  }
  if (!state.conversations.some((c) => c.id === conversationId)) loadConversations().catch(() => {});
  scheduleRender();
}

function contiguous(stream) {
  let text = "";
  let count = 0;
  while (count < stream.pieces.length && stream.pieces[count] !== undefined) text += stream.pieces[count++];
  return { text, count };
}

function onDelta({ conversation_id: conversationId, message_id: messageId, seq, text }) {
  if (state.finished.has(messageId) || typeof seq !== "number" || seq < 1) return;
  let stream = state.streams.get(messageId);
  if (!stream) {
    stream = { conversationId, pieces: [], resumeSent: false };
    state.streams.set(messageId, stream);
    // Joined mid-reply (e.g. a tab opened while it streams): ask for the start.
    if (seq > 1) stream.resumeSent = live?.send({ type: "chat.resume", message_id: messageId, from_seq: 1 }) ?? false;
  }
  stream.resumeSent = false;
  if (stream.pieces[seq - 1] === undefined) stream.pieces[seq - 1] = text ?? "";
  if (conversationId === state.currentId) scheduleRender();
}

function onDone({ conversation_id: conversationId, message_id: messageId, content }) {
  state.streams.delete(messageId);
  state.finished.add(messageId);
  const map = state.messages.get(conversationId);
  const known = map?.get(messageId);
  const replyTo = known?.reply_to ?? oldestAwaiting(conversationId);
  if (replyTo) state.awaiting.delete(replyTo);
  if (map) {
    remember({
      id: messageId, conversation_id: conversationId, role: "assistant", content,
      position: known?.position ?? maxPosition(map) + 1,
      reply_to: replyTo ?? undefined, created_at: known?.created_at ?? new Date().toISOString(),
    });
  }
  scheduleRender();
}

function onChatError({ client_id: clientId, conversation_id: conversationId, error }) {
  if (!clientId) {
    // An answer to chat.resume: that reply is gone (it failed while we were away).
    if (error?.code === "not_found") {
      for (const [id, stream] of state.streams) {
        if (stream.resumeSent) { state.streams.delete(id); state.finished.add(id); break; }
      }
      return scheduleRender();
    }
    return showBanner(describeError(error));
  }
  state.sent.delete(clientId);
  if (outbox().some((e) => e.client_id === clientId)) {
    // Not stored: it stays in the outbox, marked, until retried or discarded.
    outboxPatch(clientId, { failed: error ?? { message: "failed" } });
  } else {
    state.errors.set(clientId, error ?? { message: "failed" });
  }
  for (const [mid, conv] of state.awaiting) {
    const m = state.messages.get(conv)?.get(mid);
    if (m?.client_id === clientId && (!conversationId || conv === conversationId)) state.awaiting.delete(mid);
  }
  scheduleRender();
}

// ---------------------------------------------------------------- actions

function submit() {
  const input = $("message-input");
  const text = input.value.trim();
  if (!text || !state.currentId) return;
  const entry = { client_id: newClientId(), conversation_id: state.currentId, text, created_at: new Date().toISOString() };
  outboxAdd(entry);
  input.value = "";
  sendEntry(entry);
  render({ scroll: true });
}

function retry(clientId) {
  const pending = outbox().find((e) => e.client_id === clientId);
  if (pending) {
    outboxPatch(clientId, { failed: null });
    return sendEntry({ ...pending, failed: null });
  }
  // Stored, but the reply failed: send the same client_id again.
  state.errors.delete(clientId);
  for (const map of state.messages.values()) {
    for (const m of map.values()) {
      if (m.client_id === clientId) {
        const entry = { client_id: clientId, conversation_id: m.conversation_id, text: m.content, created_at: new Date().toISOString() };
        outboxAdd(entry);
        return sendEntry(entry);
      }
    }
  }
  return scheduleRender();
}

function discard(clientId) {
  outboxRemove(clientId);
  state.errors.delete(clientId);
  scheduleRender();
}

// ---------------------------------------------------------------- rendering

const elements = new Map(); // item key → <li>
let renderQueued = false;

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => { renderQueued = false; render(); });
}

function clearMessageList() {
  elements.clear();
  $("messages").replaceChildren();
}

/** What the open conversation shows, in order. */
function currentItems() {
  const id = state.currentId;
  const map = id && state.messages.get(id);
  if (!map) return [];
  const byPlace = (a, b) => ((a.position ?? Infinity) - (b.position ?? Infinity)) || a._order - b._order;
  const stored = [...map.values()].sort(byPlace);
  const storedClientIds = new Set(stored.map((m) => m.client_id).filter(Boolean));
  const pending = outbox().sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  const failedRetries = new Map(pending.filter((e) => e.failed).map((e) => [e.client_id, e.failed]));
  const items = [];
  for (const m of stored) {
    const item = { key: m.client_id ? `c:${m.client_id}` : `m:${m.id}`, role: m.role, text: m.content, clientId: m.client_id };
    const error = m.client_id && (state.errors.get(m.client_id) ?? failedRetries.get(m.client_id));
    if (error) Object.assign(item, { error: describeError(error), actions: ["retry"] });
    items.push(item);
  }
  let streaming = false;
  for (const [messageId, stream] of state.streams) {
    if (stream.conversationId !== id || map.has(messageId)) continue;
    const { text } = contiguous(stream);
    if (!text) continue;
    streaming = true;
    items.push({ key: `m:${messageId}`, role: "assistant", text, streaming: true });
  }
  const waiting = [...state.awaiting.values()].includes(id);
  if (waiting && !streaming) items.push({ key: "typing", role: "typing" });
  const last = stored[stored.length - 1];
  if (!waiting && !streaming && last?.role === "user" && last.client_id && last.position != null
      && !state.errors.has(last.client_id) && !pending.some((e) => e.client_id === last.client_id)) {
    const item = items.find((i) => i.clientId === last.client_id);
    Object.assign(item, { meta: "The interviewer has not answered this yet.", actions: ["retry"] });
  }
  const online = $("connection").dataset.state === "online";
  for (const entry of pending) {
    if (entry.conversation_id !== id || storedClientIds.has(entry.client_id)) continue;
    const item = { key: `c:${entry.client_id}`, role: "user", text: entry.text, clientId: entry.client_id, pending: true };
    if (entry.failed) Object.assign(item, { error: describeError(entry.failed), actions: ["retry", "discard"] });
    else item.meta = state.sent.has(entry.client_id) ? "Sending…" : online ? "Queued…" : "Waiting for the connection; it will be sent automatically.";
    items.push(item);
  }
  return items;
}

function createMessageElement(key, role) {
  const li = document.createElement("li");
  li.dataset.key = key;
  if (role === "typing") {
    li.className = "msg msg-assistant typing";
    li.setAttribute("aria-label", "The interviewer is typing");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    for (let i = 0; i < 3; i += 1) bubble.append(document.createElement("span"));
    li.append(bubble);
    return li;
  }
  const who = document.createElement("span");
  who.className = "who";
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const meta = document.createElement("p");
  meta.className = "msg-meta";
  const problem = document.createElement("div");
  problem.className = "msg-error";
  problem.setAttribute("role", "alert");
  const problemText = document.createElement("span");
  problemText.className = "msg-error-text";
  const retryButton = document.createElement("button");
  retryButton.type = "button";
  retryButton.dataset.action = "retry";
  retryButton.textContent = "Retry";
  const discardButton = document.createElement("button");
  discardButton.type = "button";
  discardButton.dataset.action = "discard";
  discardButton.className = "secondary";
  discardButton.textContent = "Discard";
  problem.append(problemText, retryButton, discardButton);
  li.append(who, bubble, meta, problem);
  return li;
}

function updateMessageElement(li, item) {
  if (item.role === "typing") return;
  li.className = `msg msg-${item.role}${item.pending ? " pending" : ""}${item.streaming ? " streaming" : ""}${item.error ? " failed" : ""}`;
  if (item.clientId) li.dataset.clientId = item.clientId;
  const [who, bubble, meta, problem] = li.children;
  const name = item.role === "user" ? "You" : "Career Interviewer";
  if (who.textContent !== name) who.textContent = name;
  showBubbleText(bubble, item.role, item.text);
  const actions = item.actions ?? [];
  // An error, or a notice with actions, goes in the box with the buttons; a
  // plain status ("Sending…") goes in the meta line.
  const boxed = item.error ?? (actions.length ? item.meta : null);
  const status = boxed ? null : item.meta;
  if (meta.textContent !== (status ?? "")) meta.textContent = status ?? "";
  meta.hidden = !status;
  problem.hidden = !boxed;
  problem.classList.toggle("notice", !item.error);
  problem.setAttribute("role", item.error ? "alert" : "status");
  const problemText = problem.querySelector(".msg-error-text");
  if (problemText.textContent !== (boxed ?? "")) problemText.textContent = boxed ?? "";
  problem.querySelector("[data-action=retry]").hidden = !actions.includes("retry");
  problem.querySelector("[data-action=discard]").hidden = !actions.includes("discard");
}

/** What each bubble shows now (role and source text), so unchanged ones are left alone. */
const bubbleSources = new WeakMap();

/**
 * The interviewer's words as Markdown (partial marks of a streaming reply stay
 * text until closed), the user's exactly as typed.
 */
function showBubbleText(bubble, role, text) {
  const shown = bubbleSources.get(bubble);
  if (shown?.role === role && shown.text === text) return;
  bubbleSources.set(bubble, { role, text });
  if (role === "assistant") bubble.replaceChildren(renderMarkdown(text));
  else bubble.textContent = text;
}

function render({ scroll = false } = {}) {
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const items = currentItems();
  const keep = new Set();
  let previous = null;
  for (const item of items) {
    let li = elements.get(item.key);
    if (!li) {
      li = createMessageElement(item.key, item.role);
      elements.set(item.key, li);
    }
    updateMessageElement(li, item);
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (expected !== li) list.insertBefore(li, expected);
    previous = li;
    keep.add(item.key);
  }
  for (const [key, li] of elements) {
    if (!keep.has(key)) { li.remove(); elements.delete(key); }
  }
  if (scroll || nearBottom) list.scrollTop = list.scrollHeight;
}

let shownConversations = null;

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

/**
 * Titles come from the server and may change once the user has said what the
 * conversation is about: after a reply is stored, read the first page again
 * (once for a burst of replies).
 */
let conversationsTimer = null;
function scheduleConversationsRefresh() {
  clearTimeout(conversationsTimer);
  conversationsTimer = setTimeout(() => {
    conversationsTimer = null;
    loadConversations().catch(() => {
      // Only titles; the next reply tries again.
    });
  }, 800);
}

function collapseSidebar() {
  $("sidebar").classList.add("collapsed");
  $("toggle-conversations").setAttribute("aria-expanded", "false");
}

// ---------------------------------------------------------------- what I know about you

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

/** "Story 2: the migration of your billing system — told: situation, task; next: what you did". */
function planLine(plan) {
  if (!plan || typeof plan.story !== "number") return "";
  const part = (p) => PART_NAMES[p] ?? String(p);
  const told = Array.isArray(plan.told) && plan.told.length ? plan.told.map(part).join(", ") : "nothing yet";
  const subject = plan.subject ? `: ${plan.subject}` : "";
  return `Story ${plan.story}${subject} — told: ${told}${plan.next ? `; next: ${part(plan.next)}` : ""}`;
}

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

function recordItemRow(id) {
  return [...$("record-groups").querySelectorAll("li.record-item")].find((li) => li.dataset.id === id) ?? null;
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
    problem.textContent = describeApiError(error);
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

// ---------------------------------------------------------------- wiring

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

$("message-input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});

$("messages").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const clientId = button?.closest("li")?.dataset.clientId;
  if (!clientId) return;
  if (button.dataset.action === "retry") retry(clientId);
  else if (button.dataset.action === "discard") discard(clientId);
});

$("conversations").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const id = button?.closest("li")?.dataset.id;
  if (!id) return;
  if (button.dataset.action === "open") openConversation(id);
  else if (button.dataset.action === "delete") deleteConversation(id);
});

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

$("record-toggle").addEventListener("click", () => (record.open ? closeRecord() : openRecord()));
$("record-close").addEventListener("click", () => closeRecord());

$("record-groups").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const id = button?.closest("li.record-item")?.dataset.id;
  if (!id) return;
  if (button.dataset.action === "edit") startEdit(id);
  else if (button.dataset.action === "delete") deleteItem(id);
});

// Escape closes the panel (an edit in progress takes its own Escape first).
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && record.open && !event.defaultPrevented && !event.isComposing) closeRecord();
});

// Another tab queued, sent or discarded something: show the outbox as it is now.
window.addEventListener("storage", (event) => {
  if (event.key === outboxKey()) scheduleRender();
});

async function showModel() {
  try {
    const models = await call("GET", "/api/v1/models");
    if (models?.chat?.name) {
      const fetching = models.fetch_in_progress && models.chat.kind === "fallback";
      $("answered-by").textContent = `Answered by: ${models.chat.name}` +
        (fetching ? " (the offline model is being downloaded; it takes over when ready)" : "");
      $("answered-by").dataset.kind = models.chat.kind ?? "";
      $("answered-by").hidden = false;
      // Until the local model is ready, look again now and then.
      if (models.chat.kind === "fallback" && models.fetch_in_progress) setTimeout(showModel, 5000);
    }
  } catch {
    // Only a label; the chat works without it.
  }
}

async function start() {
  if (!session.token) return goHome();
  try {
    const me = await call("GET", "/api/v1/me");
    state.userId = me.id;
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not reach Debrief: ${error.message} Reload to try again.`);
    return undefined;
  }
  showModel();
  live = connect({ onFrame, onState, onOpen });
  try {
    await loadConversations();
    if (state.conversations.length) await openConversation(state.conversations[0].id);
    else await newConversation();
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not load your conversations: ${error.message}`);
  }
  return undefined;
}

start();
