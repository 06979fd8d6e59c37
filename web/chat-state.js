// What the Career Interviewer page knows (`state`): the conversations, the
// messages of those opened here, replies streaming in, turns awaiting a reply,
// and failures. And the rules that merge what it learns from two sources into
// one list per conversation: the stored history read over REST, and messages,
// acks and finished replies that arrive live on the WebSocket, in any order.
// No DOM and no network here; importing this module has no side effects.

export const state = {
  /** The signed-in user's outbox (outbox.js), set once /me has answered. */
  outbox: null,
  /** The conversation list as shown (newest first), the cursor of its next page, and the open conversation. */
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
  /** How many times the socket has opened (after the first, what was missed is read again). */
  opens: 0,
  /** Bumped when a conversation is started or deleted here (a list read before that is stale). */
  listEdits: 0,
};
let order = 0; // local arrival order, for messages whose position is not known yet

/** Adds a message, or merges it into the one with its id (keeping its arrival order). */
export function remember(message) {
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

/** The highest stored position in a conversation (0 when empty). */
export function maxPosition(map) {
  let max = 0;
  for (const m of map.values()) if (m.position > max) max = m.position;
  return max;
}

/** The user message a reply in this conversation most likely answers (turns are served in order). */
export function oldestAwaiting(conversationId) {
  const map = state.messages.get(conversationId);
  let best = null;
  for (const [id, conv] of state.awaiting) {
    if (conv !== conversationId) continue;
    const m = map?.get(id);
    if (!best || (m && best.m && (m.position ?? Infinity) < (best.m.position ?? Infinity))) best = { id, m };
  }
  return best?.id ?? null;
}

/** Whether a reply to this user message is known. */
export function hasReply(map, userMessageId) {
  for (const m of map.values()) if (m.role === "assistant" && m.reply_to === userMessageId) return true;
  return false;
}

/** Replaces what we know of a conversation with the stored history. */
export function adoptHistory(conversationId, items) {
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
    if (m.client_id) state.outbox.remove(m.client_id);
    if (m.role === "assistant") {
      state.finished.add(m.id);
      state.streams.delete(m.id);
      if (m.reply_to) state.awaiting.delete(m.reply_to);
    }
  }
  return map;
}

/** The text of a streaming reply received so far without a gap, and how many pieces that is. */
export function contiguous(stream) {
  let text = "";
  let count = 0;
  while (count < stream.pieces.length && stream.pieces[count] !== undefined) text += stream.pieces[count++];
  return { text, count };
}
