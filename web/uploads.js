// Recordings (/uploads): a form that sends an interview recording over tus to
// /files/ with its context as Upload-Metadata, a card per upload with live
// progress, and the list of recordings (status, inline edits, delete).
//
// The tus client is our own, small one: creation, then PATCHes of file slices
// (4 MiB; `localStorage["debrief.upload.chunk_bytes"]` sets another size). What
// a resume needs is kept in localStorage under a fingerprint of the file, so
// after a reload, choosing the same file again continues from the server's
// offset (HEAD). Network failures are retried with backoff, from HEAD's offset.
// Progress comes from upload.progress pushes, and from the bytes the server
// acknowledged when no push is fresh. All user text is rendered with textContent.
import { ApiError, connect, session } from "./api.js";
import { signedInPage } from "./app.js";
import { $, describeError, element, mergePage, reconcileList, setText, showError } from "./dom.js";

const RESUME_PREFIX = "debrief.uploads.";
const CHUNK_KEY = "debrief.upload.chunk_bytes";
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
const BACKOFF_CAP_MS = 16_000;
const SERVER_RETRIES = 5;
const PUSH_FRESH_MS = 2000;
const RATE_WINDOW_MS = 10_000;
const CONTEXT_FIELDS = ["company", "job_title", "interview_type", "notes", "job_description"];
const TYPE_NAMES = { behavioral: "Behavioral", technical: "Technical", phone: "Phone screen", panel: "Panel" };

const state = {
  userId: null,
  recordings: [],
  nextCursor: null,
  /** file fingerprint → upload task (see newTask). */
  tasks: new Map(),
  /** interview id → the latest upload.progress of an upload this page does not run. */
  progress: new Map(),
  opens: 0,
};
let live = null;
let listTicket = 0;

// ---------------------------------------------------------------- helpers

const { goHome, call, showBanner, onState } = signedInPage({ connection: () => live });

function formatBytes(n) {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${Math.round(n / 1e3)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

function formatSpeed(bytesPerSecond) {
  return bytesPerSecond >= 1e5 ? `${(bytesPerSecond / 1e6).toFixed(1)} MB/s` : `${Math.round(bytesPerSecond / 1e3)} kB/s`;
}

function formatDuration(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// ---------------------------------------------------------------- tus client

function chunkBytes() {
  const n = Number(localStorage.getItem(CHUNK_KEY));
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_CHUNK_BYTES;
}

/** A request to the tus server with the bearer token; a network failure is an ApiError of status 0. */
async function tus(method, url, { headers = {}, body, signal } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method, body, signal,
      headers: { Authorization: `Bearer ${session.token}`, "Tus-Resumable": "1.0.0", ...headers },
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  if (response.status === 401) {
    session.token = null;
    goHome();
  }
  return response;
}

/** The error a failed tus response carries. */
async function failure(response) {
  const data = await response.json().catch(() => null);
  const error = data?.error ?? {};
  return new ApiError(response.status, error.code ?? "unknown", error.message ?? `Request failed (${response.status})`, error.details);
}

function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const fingerprint = (file) => [file.name, file.size, file.lastModified, file.type].join("|");

// What a resume needs, per file fingerprint, for this user (shared by tabs).
function resumeKey() { return RESUME_PREFIX + state.userId; }

function resumable() {
  try {
    const entries = JSON.parse(localStorage.getItem(resumeKey()) || "{}");
    return entries && typeof entries === "object" && !Array.isArray(entries) ? entries : {};
  } catch {
    return {};
  }
}

function rememberUpload(task) {
  const entries = resumable();
  entries[task.key] = {
    uploadUrl: task.uploadUrl, interviewId: task.interviewId,
    name: task.name, size: task.size, lastModified: task.lastModified, type: task.type,
  };
  localStorage.setItem(resumeKey(), JSON.stringify(entries));
}

function forgetUpload(key) {
  const entries = resumable();
  if (!(key in entries)) return;
  delete entries[key];
  if (Object.keys(entries).length) localStorage.setItem(resumeKey(), JSON.stringify(entries));
  else localStorage.removeItem(resumeKey());
}

function newTask(key, { name, size, lastModified, type }) {
  return {
    key, name, size, lastModified, type, file: null,
    uploadUrl: null, uploadId: null, interviewId: null,
    offset: 0, knownOffset: false, continuing: false, status: "uploading", note: null, error: null, gone: false, duplicate: false,
    needsHead: false, running: false, controller: null, wake: null, retryIn: 0,
    attempt: 0, serverFailures: 0, samples: [], push: null,
  };
}

function setUploadUrl(task, location) {
  task.uploadUrl = new URL(location, window.location.href).href;
  task.uploadId = new URL(task.uploadUrl).pathname.split("/").filter(Boolean).pop() ?? null;
}

function sample(task) {
  const now = Date.now();
  task.samples.push({ at: now, offset: task.offset });
  while (task.samples.length > 2 && now - task.samples[0].at > RATE_WINDOW_MS) task.samples.shift();
}

/** How far the upload is on the server (HEAD). */
async function headOffset(task, signal) {
  const response = await tus("HEAD", task.uploadUrl, { signal });
  if (!response.ok) throw new ApiError(response.status, response.status === 410 ? "gone" : "unknown", `The server answered ${response.status}`);
  const offset = Number(response.headers.get("Upload-Offset"));
  const length = response.headers.get("Upload-Length");
  if (!Number.isSafeInteger(offset)) throw new ApiError(502, "bad_response", "The server did not say how much of the upload it has");
  if (length !== null && Number(length) !== task.size) {
    throw new ApiError(409, "different_file", "The stored upload is of a different file; upload this one again");
  }
  task.offset = offset;
  task.knownOffset = true;
  task.needsHead = false;
  task.continuing = offset > 0;
  task.samples = [];
  sample(task);
  return response.headers.get("Debrief-Interview-Id");
}

/** Sends the next slice of the file (PATCH) and takes the server's new offset. */
async function sendChunk(task, signal) {
  const end = Math.min(task.size, task.offset + chunkBytes());
  const response = await tus("PATCH", task.uploadUrl, {
    headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(task.offset) },
    body: task.file.slice(task.offset, end),
    signal,
  });
  if (response.status === 204) {
    const offset = Number(response.headers.get("Upload-Offset"));
    if (!Number.isSafeInteger(offset)) throw new ApiError(502, "bad_response", "The server did not say how much of the upload it has");
    task.offset = offset;
    task.continuing = false;
    task.serverFailures = 0;
    task.attempt = 0;
    sample(task);
    if (offset >= task.size) finish(task, { interviewId: response.headers.get("Debrief-Interview-Id") });
    return;
  }
  const error = await failure(response);
  if (response.status === 409 && error.code === "offset_mismatch") {
    // Another request got further (or less far) than we thought: continue from the server's offset.
    const offset = Number(error.details?.offset ?? response.headers.get("Upload-Offset"));
    if (Number.isSafeInteger(offset)) task.offset = offset;
    else task.needsHead = true;
    return;
  }
  throw error;
}

/** Waits before the next attempt: 0.5 s, 1 s, 2 s, 4 s … (capped); pause or the network coming back wakes it. */
async function backoff(task, note) {
  const delay = Math.min(BACKOFF_CAP_MS, 500 * 2 ** task.attempt);
  task.attempt += 1;
  Object.assign(task, { status: "retrying", note, retryIn: delay });
  scheduleRender();
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, delay);
    task.wake = () => { clearTimeout(timer); resolve(); };
  });
  task.wake = null;
  if (task.status === "retrying") Object.assign(task, { status: "uploading", needsHead: true, note: null });
}

/** Sends the file until it is complete, paused, cancelled or refused. */
async function run(task) {
  task.status = "uploading";
  scheduleRender();
  if (task.running) return; // the loop already running picks the new status up
  task.running = true;
  try {
    while (task.status === "uploading") {
      const controller = new AbortController();
      task.controller = controller;
      try {
        if (task.needsHead) {
          const interviewId = await headOffset(task, controller.signal);
          // All there already (the last answer was lost): nothing more to send.
          if (task.offset >= task.size) finish(task, { interviewId });
        } else await sendChunk(task, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) continue; // paused or cancelled (or resumed again at once)
        if (task.status !== "uploading") break;
        if (error.status === 0) await backoff(task, "The connection was lost.");
        else if (error.status === 423) await backoff(task, "The server is still busy with this upload.");
        else if ((error.status >= 500 || error.status === 429) && ++task.serverFailures <= SERVER_RETRIES) {
          await backoff(task, `The server had a problem: ${describeError(error)}`);
        } else fail(task, error);
      }
      scheduleRender();
    }
  } finally {
    task.running = false;
    task.controller = null;
    scheduleRender();
  }
}

function fail(task, error) {
  task.status = "failed";
  if (error.status === 404 || error.status === 410 || error.code === "different_file") {
    task.gone = true;
    task.error = error.code === "different_file"
      ? describeError(error)
      : "This upload is no longer on the server (it expired or was cancelled). Upload the file again.";
  } else {
    task.error = describeError(error);
    // A file whose bytes are not the format its name says is removed by the server.
    if (error.code === "file_type_mismatch") task.gone = true;
  }
  if (task.gone) {
    forgetUpload(task.key);
    refreshRecordings().catch(() => {});
  }
}

function finish(task, { interviewId, duplicate }) {
  if (task.status === "done") return;
  task.status = "done";
  task.offset = task.size;
  if (interviewId && task.interviewId && interviewId !== task.interviewId) task.duplicate = true;
  if (duplicate) task.duplicate = true;
  if (interviewId) task.interviewId = interviewId;
  task.controller?.abort();
  forgetUpload(task.key);
  scheduleRender();
  refreshRecordings().catch(() => {});
}

// ---------------------------------------------------------------- upload actions

function metadata(file, form) {
  const pairs = [["filename", file.name], ["filetype", file.type]];
  for (const field of CONTEXT_FIELDS) pairs.push([field, form.elements[field].value.trim()]);
  return pairs.filter(([, value]) => value).map(([key, value]) => `${key} ${base64(value)}`).join(",");
}

function markInvalid(form, field) {
  const input = field && form.elements[field];
  if (!input) return;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

function resetForm() {
  $("upload-form").reset();
  for (const input of $("upload-form").querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  describePicked();
}

async function submitUpload() {
  const form = $("upload-form");
  const file = $("file-input").files[0];
  showError("upload-error", null);
  if (!file) {
    showError("upload-error", "Choose a recording to upload first.");
    return $("file-input").focus();
  }
  if (file.size === 0) return showError("upload-error", `“${file.name}” is empty.`);
  const key = fingerprint(file);
  const existing = state.tasks.get(key);
  if (existing && ["uploading", "retrying", "paused"].includes(existing.status)) {
    return showError("upload-error", `“${file.name}” is already uploading (see below).`);
  }
  const stored = resumable()[key];
  if (stored?.uploadUrl) {
    // Partly uploaded before (a reload, or another tab): continue from the server's offset.
    const task = existing?.status === "waiting" ? existing : newTask(key, file);
    Object.assign(task, { file, interviewId: stored.interviewId, needsHead: true, error: null, gone: false, attempt: 0 });
    setUploadUrl(task, stored.uploadUrl);
    state.tasks.set(key, task);
    resetForm();
    return run(task);
  }

  const button = $("upload-submit");
  button.disabled = true;
  button.textContent = "Starting…";
  try {
    const response = await tus("POST", "/files/", {
      headers: { "Upload-Length": String(file.size), "Upload-Metadata": metadata(file, form) },
    });
    if (response.status !== 201) throw await failure(response);
    const location = response.headers.get("Location");
    if (!location) throw new ApiError(502, "bad_response", "The server did not say where to send the file");
    const task = newTask(key, file);
    task.file = file;
    task.knownOffset = true;
    sample(task);
    setUploadUrl(task, location);
    task.interviewId = response.headers.get("Debrief-Interview-Id");
    state.tasks.delete(key); // an older card of the same file (done or failed) makes way
    state.tasks.set(key, task);
    rememberUpload(task);
    resetForm();
    run(task);
    refreshRecordings().catch(() => {});
  } catch (error) {
    if (error.status !== 401) {
      showError("upload-error", describeError(error));
      markInvalid(form, error.details?.field);
    }
  } finally {
    button.disabled = false;
    button.textContent = "Upload";
  }
  return undefined;
}

function pause(task) {
  if (!["uploading", "retrying"].includes(task.status)) return;
  task.status = "paused";
  task.controller?.abort();
  task.wake?.();
  scheduleRender();
}

function resume(task) {
  if (!task.file || !task.uploadUrl || task.gone) return;
  Object.assign(task, { needsHead: true, error: null, note: null, attempt: 0, serverFailures: 0 });
  run(task);
}

async function cancel(task) {
  const before = task.status;
  task.status = "cancelling";
  task.controller?.abort();
  task.wake?.();
  scheduleRender();
  if (task.uploadUrl && !task.gone) {
    try {
      const response = await tus("DELETE", task.uploadUrl);
      if (!response.ok && response.status !== 404 && response.status !== 410) throw await failure(response);
    } catch (error) {
      if (error.status === 401) return;
      if (error.code === "upload_completed") {
        task.status = "uploading"; // so that finish() takes it
        return finish(task, {});
      }
      task.status = before === "uploading" || before === "retrying" ? "paused" : before;
      task.error = `Could not cancel the upload: ${describeError(error)}`;
      return scheduleRender();
    }
  }
  forgetUpload(task.key);
  state.tasks.delete(task.key);
  scheduleRender();
  refreshRecordings().catch(() => {});
}

function dismiss(task) {
  state.tasks.delete(task.key);
  scheduleRender();
}

/** Uploads left unfinished by an earlier page (a reload): shown until the file is chosen again. */
async function restoreUnfinished() {
  for (const [key, entry] of Object.entries(resumable())) {
    if (!entry?.uploadUrl || state.tasks.has(key)) continue;
    const task = newTask(key, entry);
    setUploadUrl(task, entry.uploadUrl);
    task.interviewId = entry.interviewId ?? null;
    task.status = "waiting";
    state.tasks.set(key, task);
    headOffset(task)
      .then(() => {
        // It finished after all (this page went away just before it could say so).
        if (task.offset >= task.size && task.status === "waiting") {
          forgetUpload(key);
          state.tasks.delete(key);
        }
      })
      .catch((error) => {
        if (error.status === 404 || error.status === 410 || error.code === "different_file") {
          forgetUpload(key);
          if (state.tasks.get(key) === task && task.status === "waiting") state.tasks.delete(key);
        }
      })
      .finally(scheduleRender);
  }
  scheduleRender();
}

/** Shows what was picked, and whether it continues an earlier upload. */
function describePicked() {
  const file = $("file-input").files[0];
  let note = "";
  if (file) {
    note = `“${file.name}”, ${formatBytes(file.size)}.`;
    if (resumable()[fingerprint(file)]) note += " It was partly uploaded before: Upload continues where it stopped (the details entered then are kept).";
  }
  $("file-note").textContent = note;
}

// ---------------------------------------------------------------- socket

function onOpen() {
  state.opens += 1;
  // Whatever changed while we were away (missed events are replayed too).
  if (state.opens > 1) refreshRecordings().catch(() => {});
}

function taskOfUpload(uploadId) {
  for (const task of state.tasks.values()) if (task.uploadId === uploadId) return task;
  return null;
}

function onFrame(frame) {
  switch (frame.type) {
    case "upload.progress": {
      const task = taskOfUpload(frame.upload_id);
      if (task) task.push = { ...frame, at: Date.now() };
      else state.progress.set(frame.interview_id, frame);
      return scheduleRender();
    }
    case "upload.completed": {
      const task = taskOfUpload(frame.upload_id);
      if (task && task.status !== "done") finish(task, { interviewId: frame.interview_id, duplicate: frame.duplicate });
      state.progress.delete(frame.interview_id);
      return refreshRecordings().catch(() => {});
    }
    case "error": return showBanner(`The server could not handle a request: ${frame.error?.message ?? "unknown error"}`);
    default: return undefined;
  }
}

// ---------------------------------------------------------------- recordings

/** Loads the first page of recordings again (or, with `more`, the next older page). */
async function loadRecordings(more = false) {
  const ticket = more ? listTicket : ++listTicket;
  const query = more && state.nextCursor ? `?limit=20&cursor=${encodeURIComponent(state.nextCursor)}` : "?limit=20";
  $("recordings").setAttribute("aria-busy", "true");
  let page;
  try {
    page = await call("GET", `/api/v1/interviews${query}`);
  } finally {
    if (ticket === listTicket) $("recordings").setAttribute("aria-busy", "false");
  }
  if (ticket !== listTicket) return; // a newer load answers instead
  state.recordings = mergePage(state.recordings, page, more);
  // Older pages kept below the first one keep their own cursor.
  if (more || !state.recordings.slice(page.items.length).length) state.nextCursor = page.next_cursor ?? null;
  renderRecordings();
}

let refreshing = null;
let refreshAgain = false;

/**
 * Loads the first page again, once for any number of calls while a load is
 * under way (a reconnect replays every missed upload.completed at once).
 */
function refreshRecordings() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        await loadRecordings();
      } while (refreshAgain);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function recordingTitle(r) {
  if (r.job_title && r.company) return `${r.job_title} at ${r.company}`;
  return r.company || r.job_title || r.recording?.filename || "Untitled interview";
}

function replaceRecording(updated) {
  state.recordings = state.recordings.map((r) => (r.id === updated.id ? updated : r));
}

/** The form's values, as the API names them. */
function formValues(form) {
  return Object.fromEntries(CONTEXT_FIELDS.map((field) => [field, form.elements[field].value.trim()]));
}

function fillForm(form, recording) {
  for (const field of CONTEXT_FIELDS) form.elements[field].value = recording[field] ?? "";
  form.dataset.version = String(recording.version);
  form.base = formValues(form);
}

function toggleEdit(id, open) {
  const li = recordingElements.get(id);
  const recording = state.recordings.find((r) => r.id === id);
  if (!li || !recording) return;
  const form = li.querySelector("form.recording-edit");
  const button = li.querySelector("button[data-action=edit]");
  if (open) {
    fillForm(form, recording);
    showFormError(form, null);
  }
  form.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  if (open) form.elements.company.focus();
  else button.focus();
}

function showFormError(form, message) {
  const error = form.querySelector(".form-error");
  error.textContent = message ?? "";
  error.hidden = !message;
}

async function saveEdit(id, form) {
  const values = formValues(form);
  const body = { version: Number(form.dataset.version), ...values, interview_type: values.interview_type || null };
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const save = form.querySelector("button[type=submit]");
  save.disabled = true;
  try {
    const updated = await call("PATCH", `/api/v1/interviews/${encodeURIComponent(id)}`, body);
    replaceRecording(updated);
    renderRecordings();
    toggleEdit(id, false);
  } catch (error) {
    if (error.status === 401) return;
    if (error.status === 404) {
      state.recordings = state.recordings.filter((r) => r.id !== id);
      renderRecordings();
      showBanner("That recording no longer exists (it was deleted elsewhere).");
      return;
    }
    if (error.status === 409) {
      // Changed elsewhere meanwhile: show the latest, keeping what the user changed.
      try {
        const current = await call("GET", `/api/v1/interviews/${encodeURIComponent(id)}`);
        replaceRecording(current);
        renderRecordings();
        const base = form.base ?? {};
        fillForm(form, current);
        for (const field of CONTEXT_FIELDS) if (values[field] !== base[field]) form.elements[field].value = values[field];
        showFormError(form, "This recording was changed elsewhere (another tab or device) while you edited it. "
          + "The form now shows the latest details with your own changes kept: check them and save again.");
      } catch (reload) {
        if (reload.status !== 401) showFormError(form, `This recording was changed elsewhere and could not be reloaded: ${describeError(reload)}`);
      }
      return;
    }
    showFormError(form, describeError(error));
    markInvalid(form, error.details?.field);
  } finally {
    save.disabled = false;
  }
}

async function deleteRecording(id) {
  const recording = state.recordings.find((r) => r.id === id);
  if (!recording) return;
  if (!confirm(`Delete “${recordingTitle(recording)}” and its recording? This cannot be undone.`)) return;
  try {
    await call("DELETE", `/api/v1/interviews/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error.status === 401) return;
    if (error.status !== 404) return showBanner(`Could not delete the recording: ${describeError(error)}`);
  }
  // An upload still running for it is gone with it.
  for (const task of [...state.tasks.values()]) {
    if (task.interviewId === id && task.status !== "done") {
      task.status = "cancelled";
      task.controller?.abort();
      task.wake?.();
      forgetUpload(task.key);
      state.tasks.delete(task.key);
    }
  }
  state.recordings = state.recordings.filter((r) => r.id !== id);
  showBanner(null);
  renderRecordings();
  scheduleRender();
}

// ---------------------------------------------------------------- rendering

const taskElements = new Map(); // fingerprint → <li>
const recordingElements = new Map(); // interview id → <li>
let renderQueued = false;

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => { renderQueued = false; renderTasks(); });
}

function button(action, text, className) {
  const node = element("button", className, text);
  node.type = "button";
  node.dataset.action = action;
  return node;
}

/** Percent, speed and time left of a task: a fresh push, else the acknowledged bytes. */
function figures(task) {
  const active = task.status === "uploading" || task.status === "retrying";
  const fresh = active && task.push && Date.now() - task.push.at < PUSH_FRESH_MS ? task.push : null;
  let offset = task.offset;
  if (task.status === "done") offset = task.size;
  else if (fresh && fresh.offset > offset) offset = Math.min(task.size, fresh.offset);
  const percent = task.size ? Math.floor((offset * 1000) / task.size) / 10 : 0;
  let rate = fresh?.bytes_per_second ?? 0;
  if (!rate) {
    // Acknowledged bytes over the last few seconds, up to now (so a stall shows as one).
    const now = Date.now();
    const recent = task.samples.filter((s) => now - s.at <= RATE_WINDOW_MS);
    if (recent.length > 1 && now - recent[0].at >= 200) {
      rate = ((recent[recent.length - 1].offset - recent[0].offset) * 1000) / (now - recent[0].at);
    }
  }
  let eta = fresh?.eta_secs ?? null;
  if (eta === null && rate > 0) eta = (task.size - offset) / rate;
  return { offset, percent, rate: task.status === "uploading" ? rate : 0, eta: task.status === "uploading" ? eta : null };
}

function statusText(task, figure) {
  switch (task.status) {
    case "uploading": return task.continuing ? `Continuing from ${Math.floor(figure.percent)} %…` : "Uploading…";
    case "retrying": return `${task.note ?? "Interrupted."} Trying again in ${formatDuration(task.retryIn / 1000)}…`;
    case "paused": return "Paused. Resume continues where it stopped.";
    case "waiting": return task.knownOffset
      ? `Interrupted at ${Math.floor(figure.percent)} %. Choose “${task.name}” again above and press Upload to continue.`
      : `Interrupted. Choose “${task.name}” again above and press Upload to continue.`;
    case "cancelling": return "Cancelling…";
    case "done": return task.duplicate
      ? "You uploaded this recording before, so it was not stored twice: it belongs to your earlier interview."
      : "Uploaded.";
    default: return "";
  }
}

function createTaskElement(key) {
  const li = element("li", "transfer");
  li.dataset.key = key;
  const head = element("div", "transfer-head");
  head.append(element("strong", "transfer-name"), element("span", "transfer-size muted"));
  const bar = element("div", "progress");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  bar.append(element("div", "progress-fill"));
  const numbers = element("p", "transfer-figures");
  numbers.append(element("span", "transfer-percent"), element("span", "transfer-speed"), element("span", "transfer-eta"));
  const status = element("p", "transfer-status");
  status.setAttribute("aria-live", "polite");
  const problem = element("p", "transfer-error error");
  problem.setAttribute("role", "alert");
  const actions = element("div", "transfer-actions");
  const open = element("a", "transfer-open", "Open the interview");
  actions.append(button("pause", "Pause"), button("retry", "Retry"), button("cancel", "Cancel", "danger"),
    button("dismiss", "Dismiss", "secondary"), open);
  li.append(head, bar, numbers, status, problem, actions);
  return li;
}

function updateTaskElement(li, task) {
  const figure = figures(task);
  li.dataset.status = task.status;
  if (task.uploadId) li.dataset.uploadId = task.uploadId;
  setText(li.querySelector(".transfer-name"), task.name);
  setText(li.querySelector(".transfer-size"), `${formatBytes(figure.offset)} of ${formatBytes(task.size)}`);
  const bar = li.querySelector(".progress");
  const now = String(Math.floor(figure.percent));
  if (bar.getAttribute("aria-valuenow") !== now) bar.setAttribute("aria-valuenow", now);
  bar.setAttribute("aria-label", `Upload of ${task.name}`);
  bar.setAttribute("aria-valuetext", `${Math.floor(figure.percent)} %`);
  li.querySelector(".progress-fill").style.width = `${figure.percent}%`;
  setText(li.querySelector(".transfer-percent"), `${Math.floor(figure.percent)} %`);
  setText(li.querySelector(".transfer-speed"), figure.rate > 0 ? formatSpeed(figure.rate) : "");
  setText(li.querySelector(".transfer-eta"), figure.eta !== null && figure.rate > 0 ? `${formatDuration(figure.eta)} left` : "");
  setText(li.querySelector(".transfer-status"), statusText(task, figure));
  const problem = li.querySelector(".transfer-error");
  setText(problem, task.error ?? "");
  problem.hidden = !task.error;

  const toggle = li.querySelector("button[data-action=pause], button[data-action=resume]");
  const paused = task.status === "paused";
  toggle.dataset.action = paused ? "resume" : "pause";
  setText(toggle, paused ? "Resume" : "Pause");
  toggle.hidden = !(paused || task.status === "uploading" || task.status === "retrying");
  li.querySelector("button[data-action=retry]").hidden = !(task.status === "failed" && task.file && !task.gone);
  li.querySelector("button[data-action=cancel]").hidden =
    !["uploading", "retrying", "paused", "waiting", "failed"].includes(task.status) || task.gone;
  li.querySelector("button[data-action=dismiss]").hidden = !(task.status === "done" || task.gone);
  for (const action of li.querySelectorAll(".transfer-actions button")) {
    action.setAttribute("aria-label", `${action.textContent} the upload of ${task.name}`);
  }
  const open = li.querySelector(".transfer-open");
  open.hidden = !(task.status === "done" && task.interviewId);
  if (task.interviewId) open.href = `/interviews/${encodeURIComponent(task.interviewId)}`;
}

function renderTasks() {
  const list = $("transfers");
  const tasks = [...state.tasks.values()].reverse(); // newest first
  let previous = null;
  for (const task of tasks) {
    let li = taskElements.get(task.key);
    if (!li) {
      li = createTaskElement(task.key);
      taskElements.set(task.key, li);
    }
    updateTaskElement(li, task);
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (expected !== li) list.insertBefore(li, expected);
    previous = li;
  }
  for (const [key, li] of taskElements) {
    if (!state.tasks.has(key)) { li.remove(); taskElements.delete(key); }
  }
  $("transfers-section").hidden = tasks.length === 0;
  renderRecordingProgress();
}

function createRecordingElement(id) {
  const li = element("li", "recording");
  li.dataset.id = id;
  const head = element("div", "recording-head");
  const title = element("a", "recording-title");
  title.href = `/interviews/${encodeURIComponent(id)}`;
  head.append(title, element("span", "badge"));
  const meta = element("p", "recording-meta muted");
  const progress = element("p", "recording-progress muted");
  const actions = element("div", "recording-actions");
  const edit = button("edit", "Edit details", "secondary");
  edit.setAttribute("aria-expanded", "false");
  edit.setAttribute("aria-controls", `edit-${id}`);
  actions.append(edit, button("delete", "Delete", "danger"));

  const form = element("form", "recording-edit");
  form.id = `edit-${id}`;
  form.noValidate = true;
  form.hidden = true;
  const field = (labelText, control) => {
    const label = element("label", null, labelText);
    label.append(control);
    return label;
  };
  const input = (name, max) => {
    const node = element("input");
    node.name = name;
    node.maxLength = max;
    return node;
  };
  const textarea = (name, rows, max) => {
    const node = element("textarea");
    node.name = name;
    node.rows = rows;
    node.maxLength = max;
    return node;
  };
  const select = element("select");
  select.name = "interview_type";
  select.append(new Option("Not specified", ""));
  for (const [value, text] of Object.entries(TYPE_NAMES)) select.append(new Option(text, value));
  const fields = element("div", "fields");
  fields.append(field("Company", input("company", 200)), field("Job title", input("job_title", 200)), field("Interview type", select));
  const error = element("p", "form-error error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const buttons = element("div", "actions");
  const save = element("button", null, "Save");
  save.type = "submit";
  buttons.append(save, button("cancel-edit", "Cancel", "secondary"));
  form.append(fields, field("Notes", textarea("notes", 3, 5000)), field("Job description", textarea("job_description", 4, 20000)), error, buttons);

  li.append(head, meta, progress, actions, form);
  return li;
}

function updateRecordingElement(li, recording) {
  const title = li.querySelector(".recording-title");
  setText(title, recordingTitle(recording));
  const badge = li.querySelector(".badge");
  badge.dataset.status = recording.status;
  setText(badge, recording.status);
  const parts = [];
  if (recording.interview_type) parts.push(TYPE_NAMES[recording.interview_type] ?? recording.interview_type);
  if (recording.recording?.filename) parts.push(recording.recording.filename);
  if (recording.recording?.size_bytes != null) parts.push(formatBytes(recording.recording.size_bytes));
  const created = new Date(recording.created_at);
  if (!Number.isNaN(created.getTime())) parts.push(created.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
  setText(li.querySelector(".recording-meta"), parts.join(" · "));
  li.querySelector("button[data-action=edit]").setAttribute("aria-label", `Edit the details of ${recordingTitle(recording)}`);
  li.querySelector("button[data-action=delete]").setAttribute("aria-label", `Delete ${recordingTitle(recording)}`);
}

/** "42 % uploaded" on recordings still uploading (from this page's upload, a push, or what is stored). */
function renderRecordingProgress() {
  for (const recording of state.recordings) {
    const li = recordingElements.get(recording.id);
    if (!li) continue;
    let text = "";
    if (recording.status === "uploading") {
      const task = [...state.tasks.values()].find((t) => t.interviewId === recording.id);
      const push = state.progress.get(recording.id);
      const size = recording.recording?.size_bytes;
      let percent = null;
      if (task) percent = figures(task).percent;
      else if (push?.percent != null) percent = push.percent;
      else if (size) percent = Math.floor(((recording.recording.uploaded_bytes ?? 0) * 1000) / size) / 10;
      if (percent !== null) text = `${Math.floor(percent)} % uploaded`;
    }
    const progress = li.querySelector(".recording-progress");
    setText(progress, text);
    progress.hidden = !text;
  }
}

function renderRecordings() {
  reconcileList($("recordings"), recordingElements, state.recordings, (recording) => recording.id,
    (recording) => createRecordingElement(recording.id), updateRecordingElement);
  $("recordings-empty").hidden = state.recordings.length > 0;
  $("more-recordings").hidden = !state.nextCursor;
  renderRecordingProgress();
}

// ---------------------------------------------------------------- wiring

$("upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  submitUpload();
});

$("upload-form").addEventListener("input", (event) => event.target.removeAttribute?.("aria-invalid"));

$("file-input").addEventListener("change", () => {
  showError("upload-error", null);
  describePicked();
});

const zone = $("drop-zone");
const carriesFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
zone.addEventListener("dragover", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
  zone.classList.add("dragging");
});
zone.addEventListener("dragleave", (event) => {
  if (!zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
});
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  zone.classList.remove("dragging");
  const file = event.dataTransfer?.files?.[0];
  if (!file) return;
  const picked = new DataTransfer();
  picked.items.add(file);
  $("file-input").files = picked.files;
  showError("upload-error", null);
  describePicked();
});
// A file dropped next to the zone must not replace the page.
window.addEventListener("dragover", (event) => { if (carriesFiles(event)) event.preventDefault(); });
window.addEventListener("drop", (event) => { if (carriesFiles(event)) event.preventDefault(); });

$("transfers").addEventListener("click", (event) => {
  const target = event.target.closest("button[data-action]");
  const task = state.tasks.get(target?.closest("li")?.dataset.key);
  if (!task) return;
  switch (target.dataset.action) {
    case "pause": return pause(task);
    case "resume": case "retry": return resume(task);
    case "cancel": return cancel(task);
    case "dismiss": return dismiss(task);
    default: return undefined;
  }
});

$("recordings").addEventListener("click", (event) => {
  const target = event.target.closest("button[data-action]");
  const id = target?.closest("li")?.dataset.id;
  if (!id) return;
  if (target.dataset.action === "edit") toggleEdit(id, target.getAttribute("aria-expanded") !== "true");
  else if (target.dataset.action === "cancel-edit") toggleEdit(id, false);
  else if (target.dataset.action === "delete") deleteRecording(id);
});

$("recordings").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target.closest("form.recording-edit");
  const id = form?.closest("li")?.dataset.id;
  if (id) saveEdit(id, form);
});

$("more-recordings").addEventListener("click", async () => {
  $("more-recordings").disabled = true;
  try {
    await loadRecordings(true);
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not load older recordings: ${describeError(error)}`);
  } finally {
    $("more-recordings").disabled = false;
  }
});

// The network is back: retry now rather than at the end of the backoff.
window.addEventListener("online", () => {
  for (const task of state.tasks.values()) if (task.status === "retrying") task.wake?.();
});

// Another tab started, finished or cancelled an upload: the hint under the picker follows.
window.addEventListener("storage", (event) => {
  if (event.key === resumeKey()) describePicked();
});

// Speed and time left stay current between pushes.
setInterval(() => {
  for (const task of state.tasks.values()) {
    if (task.status === "uploading" || task.status === "retrying") return scheduleRender();
  }
  return undefined;
}, 1000);

/** Which engines will transcribe recordings and match questions by meaning (looked at again while weights are fetched). */
async function showEngines() {
  try {
    const models = await call("GET", "/api/v1/models");
    const describe = (engine, ready, missing) =>
      engine?.kind && engine.kind !== "none" ? `${ready} ${engine.name}` : `${missing} ${engine?.name ?? "unknown"}`;
    const line = $("transcribed-by");
    line.textContent = [
      describe(models?.transcription, "Transcribed by:", "Transcription:"),
      describe(models?.embeddings, "Questions matched by:", "Question matching:"),
    ].join(" · ");
    line.dataset.kind = models?.transcription?.kind ?? "";
    line.hidden = false;
    const waiting = [models?.transcription, models?.embeddings].some((e) => e?.kind === "none");
    if (waiting && models.fetch_in_progress) setTimeout(showEngines, 5000);
  } catch {
    // Only a label; uploads work without it.
  }
}

async function start() {
  if (!session.token) return goHome();
  try {
    const me = await call("GET", "/api/v1/me");
    state.userId = me.id;
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not reach Debrief: ${describeError(error)} Reload to try again.`);
    return undefined;
  }
  showEngines();
  live = connect({ onFrame, onState, onOpen });
  restoreUnfinished();
  try {
    await refreshRecordings();
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not load your recordings: ${describeError(error)}`);
  }
  return undefined;
}

start();
