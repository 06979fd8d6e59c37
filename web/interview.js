// The Career Interviewer chat (/interview): a list of conversations, the open
// conversation's messages, and a composer. History comes over REST; talking
// happens on the WebSocket (chat.send → chat.ack, chat.message, chat.delta…,
// chat.done). This module is the page: it signs in, connects, sends what the
// user types, and wires the parts together:
//
//   chat-state.js     what the page knows, and how history and live frames merge
//   chat-frames.js    what each chat frame from the socket changes
//   messages-view.js  the open conversation as shown (markdown.js for replies)
//   conversations.js  the sidebar: list, open, start, delete
//   outbox.js         messages not yet acknowledged, in localStorage
//   career-panel.js   "What I know about you": the career record, corrected inline
//
// Messages typed while offline wait in the outbox and are resent (same
// client_id, so never twice) when the socket opens; an ack removes them. A
// reply that was streaming when the socket dropped is resumed from the next
// piece, and on reconnect the open conversation is read again.
import { connect, session } from "./api.js";
import { signedInPage } from "./app.js";
import { $, onRowAction } from "./dom.js";
import { careerPanel } from "./career-panel.js";
import { chatFrames } from "./chat-frames.js";
import { adoptHistory, contiguous, hasReply, state } from "./chat-state.js";
import { conversationList } from "./conversations.js";
import { render, scheduleRender } from "./messages-view.js";
import { outboxFor } from "./outbox.js";

let live = null;

const { goHome, call, showBanner, onState: showConnectionState } = signedInPage({ connection: () => live });
const panel = careerPanel({ call });
const sidebar = conversationList({ call, showBanner, onDeleted: () => panel.scheduleRefresh() });
const onFrame = chatFrames({
  send: (frame) => live?.send(frame) ?? false,
  showBanner,
  loadConversations: () => sidebar.load(),
  onReplyStored: () => {
    sidebar.scheduleRefresh(); // the conversation may have a title now
    panel.scheduleRefresh(); // and the record may have grown
  },
});

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------- sending

/** Sends a queued message if the socket is open; otherwise it waits for onOpen. */
function sendEntry(entry) {
  const ok = live?.send({ type: "chat.send", client_id: entry.client_id, conversation_id: entry.conversation_id, text: entry.text });
  if (ok) state.sent.add(entry.client_id);
  scheduleRender();
}

function flushOutbox() {
  for (const entry of state.outbox.entries()) if (!entry.failed) sendEntry(entry);
}

function submit() {
  const input = $("message-input");
  const text = input.value.trim();
  if (!text || !state.currentId) return;
  const entry = { client_id: newClientId(), conversation_id: state.currentId, text, created_at: new Date().toISOString() };
  state.outbox.add(entry);
  input.value = "";
  sendEntry(entry);
  render({ scroll: true });
}

function retry(clientId) {
  const pending = state.outbox.entries().find((e) => e.client_id === clientId);
  if (pending) {
    state.outbox.patch(clientId, { failed: null });
    return sendEntry({ ...pending, failed: null });
  }
  // Stored, but the reply failed: send the same client_id again.
  state.errors.delete(clientId);
  for (const map of state.messages.values()) {
    for (const m of map.values()) {
      if (m.client_id === clientId) {
        const entry = { client_id: clientId, conversation_id: m.conversation_id, text: m.content, created_at: new Date().toISOString() };
        state.outbox.add(entry);
        return sendEntry(entry);
      }
    }
  }
  return scheduleRender();
}

function discard(clientId) {
  state.outbox.remove(clientId);
  state.errors.delete(clientId);
  scheduleRender();
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
  panel.scheduleRefresh();
  for (const [messageId, stream] of state.streams) {
    stream.resumeSent = live.send({ type: "chat.resume", message_id: messageId, from_seq: contiguous(stream).count + 1 });
  }
  if (state.opens === 1 || !state.currentId) return;
  // Whatever was said while we were away (other tabs, replies that finished).
  const id = state.currentId;
  try {
    const items = await sidebar.fetchMessages(id);
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

onRowAction($("messages"), "li", "clientId", { retry, discard });

// Another tab queued, sent or discarded something: show the outbox as it is now.
window.addEventListener("storage", (event) => {
  if (state.outbox && event.key === state.outbox.key) scheduleRender();
});

/** "Answered by: …": which model writes the replies (and whether the offline one is still downloading). */
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
    state.outbox = outboxFor(me.id);
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not reach Debrief: ${error.message} Reload to try again.`);
    return undefined;
  }
  showModel();
  live = connect({ onFrame, onState, onOpen });
  try {
    await sidebar.load();
    if (state.conversations.length) await sidebar.open(state.conversations[0].id);
    else await sidebar.create();
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not load your conversations: ${error.message}`);
  }
  return undefined;
}

start();
