// The open conversation as the Career Interviewer page shows it (#messages):
// stored messages in order, a reply streaming in, the typing dots while a reply
// is awaited, and what waits in the outbox ("Sending…", "Queued…", or a failure
// with Retry and Discard). Rendering is keyed and incremental: each item keeps
// its <li>, and only what changed is touched, so a streaming reply redraws its
// own bubble and nothing else. User text is set with textContent; the
// interviewer's replies are a small safe Markdown subset (markdown.js: DOM
// nodes, never innerHTML).
import { $, reconcileList } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { contiguous, state } from "./chat-state.js";

/** A person-readable sentence for a chat error: capitalised like dom.js's describeError, plus what the model and a rate limit add. */
export function describeError(error) {
  const text = error?.message ? error.message[0].toUpperCase() + error.message.slice(1) : "Something went wrong";
  const wait = error?.details?.retry_after_secs;
  const sentence = /[.!?]$/.test(text) ? text : `${text}.`;
  if (error?.code?.startsWith("model_")) return `The interviewer could not answer. ${sentence}${wait ? ` Retry in ${wait} s.` : ""}`;
  if (wait) return `${sentence} You can retry in ${wait} s.`;
  return sentence;
}

const elements = new Map(); // item key → <li>
let renderQueued = false;

/** Renders once the current code has run (a burst of frames and changes renders once). */
export function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => { renderQueued = false; render(); });
}

/** Empties the list (another conversation is opening). */
export function clearMessageList() {
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
  const pending = state.outbox.entries().sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
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

/** Brings the list up to date; it scrolls to the end if it was near the end already, or if `scroll`. */
export function render({ scroll = false } = {}) {
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  reconcileList(list, elements, currentItems(), (item) => item.key,
    (item) => createMessageElement(item.key, item.role), updateMessageElement);
  if (scroll || nearBottom) list.scrollTop = list.scrollHeight;
}
