// The outbox of the Career Interviewer chat: messages typed and not yet
// acknowledged, kept in localStorage (one key per user) so a reload or a lost
// connection loses nothing. The page resends them (same client_id, so the
// server never stores one twice) when the socket opens, and an ack removes
// them. Every tab of the user shares the outbox: a tab listens for `storage`
// events on its `key` to show what another queued, sent or discarded.
//
// An entry is { client_id, conversation_id, text, created_at, failed? }, where
// `failed` is the error of a send the server refused (kept until the user
// retries or discards it). No page wiring here; importing this module has no
// side effects.

const OUTBOX_PREFIX = "debrief.outbox.";

/** The outbox of this user; every method reads localStorage afresh (another tab may have changed it). */
export function outboxFor(userId) {
  const key = OUTBOX_PREFIX + userId;

  /** The entries as stored now; malformed ones are skipped. */
  function entries() {
    try {
      const stored = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(stored) ? stored.filter((e) => e && e.client_id && e.conversation_id && typeof e.text === "string") : [];
    } catch {
      return [];
    }
  }

  function write(list) {
    if (list.length) localStorage.setItem(key, JSON.stringify(list));
    else localStorage.removeItem(key);
  }

  return {
    /** The localStorage key (what a `storage` event names). */
    key,
    entries,
    /** Queues an entry, replacing one with the same client_id. */
    add(entry) {
      write([...entries().filter((e) => e.client_id !== entry.client_id), entry]);
    },
    /** Drops an entry (acknowledged, stored or discarded), if it is there. */
    remove(clientId) {
      const list = entries();
      if (list.some((e) => e.client_id === clientId)) write(list.filter((e) => e.client_id !== clientId));
    },
    /** Changes fields of an entry (`failed`). */
    patch(clientId, patch) {
      write(entries().map((e) => (e.client_id === clientId ? { ...e, ...patch } : e)));
    },
  };
}
