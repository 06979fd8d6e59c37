// What the Career Interviewer page does with each chat frame from the
// WebSocket: chat.ack (a queued message is stored: out of the outbox),
// chat.message (a message stored by this or another tab), chat.delta (a piece
// of a reply, in seq order; a reply joined mid-way is asked for from its
// start with chat.resume), chat.done (the reply is complete and stored),
// chat.error (a send or a reply failed), and the server's `error` frame (a
// banner). Each updates chat-state.js and schedules a render; none touches the
// DOM itself.
import { hasReply, maxPosition, oldestAwaiting, remember, state } from "./chat-state.js";
import { describeError, scheduleRender } from "./messages-view.js";

/**
 * The socket's onFrame. `send` sends a frame (false when offline), `showBanner`
 * shows a page-wide error, `loadConversations` reads the list again (a
 * message in a conversation not listed yet), and `onReplyStored` runs after
 * each chat.done.
 */
export function chatFrames({ send, showBanner, loadConversations, onReplyStored }) {
  function onAck({ client_id: clientId, conversation_id: conversationId, message_id: messageId }) {
    const entry = state.outbox.entries().find((e) => e.client_id === clientId);
    state.outbox.remove(clientId);
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
      state.outbox.remove(message.client_id);
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

  function onDelta({ conversation_id: conversationId, message_id: messageId, seq, text }) {
    if (state.finished.has(messageId) || typeof seq !== "number" || seq < 1) return;
    let stream = state.streams.get(messageId);
    if (!stream) {
      stream = { conversationId, pieces: [], resumeSent: false };
      state.streams.set(messageId, stream);
      // Joined mid-reply (e.g. a tab opened while it streams): ask for the start.
      if (seq > 1) stream.resumeSent = send({ type: "chat.resume", message_id: messageId, from_seq: 1 });
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
    // With no map yet (the history is loading), remember() keeps it for that history.
    remember({
      id: messageId, conversation_id: conversationId, role: "assistant", content,
      position: known?.position ?? (map ? maxPosition(map) + 1 : undefined),
      reply_to: replyTo ?? undefined, created_at: known?.created_at ?? new Date().toISOString(),
    });
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
    if (state.outbox.entries().some((e) => e.client_id === clientId)) {
      // Not stored: it stays in the outbox, marked, until retried or discarded.
      state.outbox.patch(clientId, { failed: error ?? { message: "failed" } });
    } else {
      state.errors.set(clientId, error ?? { message: "failed" });
    }
    for (const [mid, conv] of state.awaiting) {
      const m = state.messages.get(conv)?.get(mid);
      if (m?.client_id === clientId && (!conversationId || conv === conversationId)) state.awaiting.delete(mid);
    }
    scheduleRender();
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "chat.ack": return onAck(frame);
      case "chat.message": return onMessage(frame);
      case "chat.delta": return onDelta(frame);
      case "chat.done":
        onDone(frame);
        return onReplyStored();
      case "chat.error": return onChatError(frame);
      case "error": return showBanner(`The server could not handle a request: ${frame.error?.message ?? "unknown error"}`);
      default: return undefined;
    }
  }

  return onFrame;
}
