// The browser's client of Debrief's API: REST calls with the stored token, and a
// WebSocket that reconnects with backoff and resumes its event stream by seq.

const TOKEN_KEY = "debrief.token";
const SEQ_KEY = "debrief.last_seq";

export const session = {
  get token() { return localStorage.getItem(TOKEN_KEY); },
  set token(value) { value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY); },
  get lastSeq() { return Number(localStorage.getItem(SEQ_KEY) || 0); },
  set lastSeq(value) { localStorage.setItem(SEQ_KEY, String(value)); },
};

/** An API failure carrying the server's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Calls a JSON endpoint; resolves with the parsed body (or null for 204). */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "unknown", error.message ?? `Request failed (${response.status})`, error.details);
  }
  return data;
}

/**
 * A live connection to /ws. Calls onFrame for every frame, onState("online"|"offline"|
 * "signed-out"), and onOpen (optional) each time the socket (re)opens, after the
 * `hello`, so the page can resend what it queued. Reconnects with exponential
 * backoff and asks for the events it missed. `send` returns false when offline.
 */
export function connect({ onFrame, onState, onOpen }) {
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let timer = null;

  async function open() {
    if (stopped || !session.token) return;
    let ticket;
    try {
      ({ ticket } = await api("POST", "/api/v1/ws-ticket"));
    } catch (error) {
      if (error.status === 401) return onState("signed-out");
      return retry();
    }
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws?ticket=${encodeURIComponent(ticket)}`);
    socket.onopen = () => {
      attempt = 0;
      onState("online");
      socket.send(JSON.stringify({ type: "hello", last_seq: session.lastSeq }));
      onOpen?.();
    };
    socket.onmessage = (message) => {
      if (stopped) return;
      let frame;
      try { frame = JSON.parse(message.data); } catch { return; }
      // Only durable events carry the user's event seq; the seq of a chat.delta or
      // practice.feedback.delta counts pieces of one stream and must not move the
      // replay position.
      const durable = typeof frame.type === "string" && !frame.type.startsWith("chat.") && !frame.type.startsWith("practice.feedback.");
      if (durable && typeof frame.seq === "number" && frame.seq > session.lastSeq) session.lastSeq = frame.seq;
      if (frame.type === "hello.ok" && frame.last_seq < session.lastSeq) session.lastSeq = frame.last_seq;
      onFrame(frame);
    };
    // After close(), a late close event of this socket must not report "offline"
    // over a newer connection's "online".
    socket.onclose = () => { if (!stopped) { onState("offline"); retry(); } };
  }

  function retry() {
    if (stopped) return;
    const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    clearTimeout(timer);
    timer = setTimeout(open, delay);
  }

  open();
  return {
    /** Sends a frame now; false (and nothing sent) when the socket is not open. */
    send(frame) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    close() { stopped = true; clearTimeout(timer); socket?.close(); },
  };
}
