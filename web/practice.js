// Practice sessions: /practice lists them (newest first), creates one, or
// starts a targeted drill; /practice/{id} is one session: generate or edit its
// questions, write answers (saved in one batch), get coaching on an answer
// (streamed live over the WebSocket as practice.feedback.delta frames, then
// practice.feedback.done with the structured feedback), complete the session
// and read, regenerate or edit its feedback. An answer may also be spoken
// (spoken.js records it and streams it; its transcript lands in the answer box
// and its delivery is shown, then its coaching streams as a typed answer's).
//
// Answers typed and not saved yet are kept in localStorage (per session) so a
// reload loses nothing; the server's copy is what "saved" means. Coaching
// frames are matched to the request by stream_id (frames that arrive before
// the request's 202 are kept until it names its stream). If the socket misses
// the end of a stream, the stored feedback is read back over REST. All user,
// model and server text is rendered with textContent.
import { connect, session } from "./api.js";
import { signedInPage } from "./app.js";
import { $, describeError, element, setText, showError } from "./dom.js";
import { showDelivery } from "./delivery.js";
import { spokenAnswers } from "./spoken.js";

const PAGE_SIZE = 20;
const DRAFTS_PREFIX = "debrief.practice.drafts.";
/** Without a practice.feedback frame for this long, the stored feedback is read back. */
const FEEDBACK_FALLBACK_MS = 12_000;
const TYPE_NAMES = { behavioral: "Behavioral", technical: "Technical", phone: "Phone screen", panel: "Panel" };
const STATUS_NAMES = { draft: "Draft", in_progress: "In progress", completed: "Completed" };
const SOURCE_NAMES = {
  bank: "Question bank", job_description: "From the job description", model: "From the model", user: "Your own", drill: "Drill",
};
const FEEDBACK_BY = { rules: "Debrief's answer analysis", model: "the coaching model", user: "you" };
const CATEGORY_NAMES = {
  behavioral: "Behavioral", technical: "Technical", situational: "Situational", motivation: "Motivation", role_specific: "Role-specific",
};
const STAR_PARTS = [["situation", "S", "Situation"], ["task", "T", "Task"], ["action", "A", "Action"], ["result", "R", "Result"]];

/** The session id of `/practice/<id>`, or "" on the list (`/practice`). */
const practiceId = (() => {
  const [first, second] = location.pathname.split("/").filter(Boolean);
  return first === "practice" && second ? decodeURIComponent(second) : "";
})();
const base = `/api/v1/practice/${encodeURIComponent(practiceId)}`;

let live = null;
const { goHome, call, showBanner, onState } = signedInPage({ connection: () => live });
const spoken = spokenAnswers({
  base, sessionId: practiceId, call, goHome, answerIdOf: (id) => answerOf(id)?.answer_id ?? null, onTranscribed,
});

const state = {
  sessions: [],
  nextCursor: null,
  session: null,
  /** question id → answer text typed here and not saved (mirrored in localStorage). */
  drafts: new Map(),
  /** stream id → { questionId, pieces: Map(seq → text), done: frame|null, error: frame|null } */
  streams: new Map(),
  /** question id → the coaching asked for here: { text, streamId, failed, fallback, timer } */
  coaching: new Map(),
  /** question id → its <li>, reused across renders so typing keeps focus. */
  items: new Map(),
  /** Question ids the server named as unanswered when completing. */
  unanswered: new Set(),
  /** The question editor's rows while it is open: [{ key, id, text, category }]. */
  editing: null,
  gone: false,
  /** Socket opens seen (a `hello.ok` after the first is a reconnect). */
  opens: 0,
};
let newRows = 0;

// ---------------------------------------------------------------- helpers

function button(text, className, testid) {
  const node = element("button", className, text);
  node.type = "button";
  if (testid) node.dataset.testid = testid;
  return node;
}

function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function sessionTitle(s) {
  return s.company ? `${s.job_title} at ${s.company}` : s.job_title || "Practice session";
}

/** "★★★★☆ 4 / 5", read out as "Rating: 4 out of 5". */
function ratingNode(rating, testid) {
  const value = Math.max(0, Math.min(5, Math.round(Number(rating) || 0)));
  const node = element("p", "rating");
  node.dataset.rating = String(value);
  if (testid) node.dataset.testid = testid;
  const stars = element("span", "stars", "★".repeat(value) + "☆".repeat(5 - value));
  stars.setAttribute("aria-hidden", "true");
  node.append(element("span", "visually-hidden", "Rating: "), stars, element("span", "rating-number", ` ${value} / 5`));
  return node;
}

/** Safe in an element id (question ids come from the server). */
const idPart = (id) => String(id).replace(/[^A-Za-z0-9_-]/g, "_");

// ---------------------------------------------------------------- the list

async function loadSessions(more = false) {
  const list = $("sessions");
  list.setAttribute("aria-busy", "true");
  $("more-sessions").disabled = true;
  try {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (more && state.nextCursor) query.set("cursor", state.nextCursor);
    const page = await call("GET", `/api/v1/practice?${query}`);
    const items = page?.items ?? [];
    state.sessions = more ? [...state.sessions, ...items.filter((i) => !state.sessions.some((s) => s.id === i.id))] : items;
    state.nextCursor = page?.next_cursor ?? null;
    renderSessions();
  } catch (error) {
    if (error.status !== 401) showBanner(`Could not load your practice sessions: ${describeError(error)}`);
  } finally {
    list.setAttribute("aria-busy", "false");
    $("more-sessions").disabled = false;
  }
}

function renderSessions() {
  const list = $("sessions");
  list.replaceChildren();
  for (const s of state.sessions) {
    const li = element("li", "session");
    li.dataset.id = s.id;
    li.dataset.status = s.status;
    li.dataset.testid = "session";
    const head = element("div", "session-head");
    const link = element("a", "session-title", sessionTitle(s));
    link.href = `/practice/${encodeURIComponent(s.id)}`;
    link.dataset.testid = "session-link";
    const badge = element("span", "badge", STATUS_NAMES[s.status] ?? s.status);
    badge.dataset.status = s.status;
    badge.dataset.testid = "session-status";
    head.append(link, badge);
    li.append(head);

    const facts = [
      TYPE_NAMES[s.interview_type] ?? s.interview_type,
      `${s.answered_count ?? 0} of ${plural(s.question_count ?? 0, "question")} answered`,
      s.completed_at ? `completed ${formatDate(s.completed_at)}` : `started ${formatDate(s.created_at)}`,
    ].filter(Boolean);
    const meta = element("p", "session-facts muted", facts.join(" · "));
    meta.dataset.testid = "session-facts";
    li.append(meta);
    if (s.rating != null) li.append(ratingNode(s.rating, "session-rating"));

    const actions = element("div", "session-actions");
    const remove = button("Delete", "danger", "delete-session");
    remove.setAttribute("aria-label", `Delete “${sessionTitle(s)}”`);
    remove.addEventListener("click", () => deleteSession(s, remove));
    actions.append(remove);
    li.append(actions);
    list.append(li);
  }
  $("sessions-empty").hidden = state.sessions.length > 0;
  $("more-sessions").hidden = !state.nextCursor;
}

async function deleteSession(s, control) {
  if (!confirm(`Delete “${sessionTitle(s)}”? Its questions, answers and feedback are deleted too.`)) return;
  control.disabled = true;
  try {
    await call("DELETE", `/api/v1/practice/${encodeURIComponent(s.id)}`);
  } catch (error) {
    control.disabled = false;
    if (error.status !== 404) {
      if (error.status !== 401) showBanner(`Could not delete the session: ${describeError(error)}`);
      return;
    }
  }
  localStorage.removeItem(DRAFTS_PREFIX + s.id);
  state.sessions = state.sessions.filter((x) => x.id !== s.id);
  renderSessions();
  $("sessions-title").tabIndex = -1;
  $("sessions-title").focus();
}

function markInvalid(form, field, message) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const input = field ? form.elements.namedItem(field) : null;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "create-error");
    input.focus();
  }
  showError("create-error", message);
}

async function createSession(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const value = (name) => form.elements.namedItem(name).value.trim();
  if (!value("job_title")) return markInvalid(form, "job_title", "Enter the job title you are preparing for.");
  const body = { job_title: value("job_title"), interview_type: form.elements.namedItem("interview_type").value };
  for (const name of ["company", "job_description", "resume_url"]) if (value(name)) body[name] = value(name);
  markInvalid(form, null, null);
  $("create-submit").disabled = true;
  try {
    const created = await call("POST", "/api/v1/practice", body);
    location.assign(`/practice/${encodeURIComponent(created.id)}`);
  } catch (error) {
    $("create-submit").disabled = false;
    if (error.status === 401) return undefined;
    return markInvalid(form, error.details?.field ?? null, describeError(error));
  }
  return undefined;
}

async function startDrill() {
  const control = $("drill");
  control.disabled = true;
  setText(control, "Preparing a drill…");
  showError("drill-error", null);
  try {
    const drill = await call("POST", "/api/v1/practice/drills", {});
    location.assign(`/practice/${encodeURIComponent(drill.id)}`);
  } catch (error) {
    control.disabled = false;
    setText(control, "Targeted drill");
    if (error.status !== 401) showError("drill-error", `Could not start a drill: ${describeError(error)}`);
  }
}

// ---------------------------------------------------------------- drafts (unsaved answers)

function answerOf(questionId) {
  return state.session?.answers?.find((a) => a.question_id === questionId) ?? null;
}

const savedText = (questionId) => answerOf(questionId)?.text ?? "";
const currentText = (questionId) => (state.drafts.has(questionId) ? state.drafts.get(questionId) : savedText(questionId));
const isDirty = (questionId) => state.drafts.has(questionId) && state.drafts.get(questionId) !== savedText(questionId);

function storeDrafts() {
  const key = DRAFTS_PREFIX + practiceId;
  if (state.drafts.size) localStorage.setItem(key, JSON.stringify(Object.fromEntries(state.drafts)));
  else localStorage.removeItem(key);
}

function loadDrafts() {
  try {
    const stored = JSON.parse(localStorage.getItem(DRAFTS_PREFIX + practiceId) || "{}");
    for (const [id, text] of Object.entries(stored ?? {})) if (typeof text === "string") state.drafts.set(id, text);
  } catch { /* a damaged entry is dropped below */ }
}

/** Forgets drafts that equal the saved answer or whose question is gone. */
function pruneDrafts() {
  const ids = new Set((state.session?.questions ?? []).map((q) => q.id));
  for (const [id, text] of state.drafts) if (!ids.has(id) || text === savedText(id)) state.drafts.delete(id);
  storeDrafts();
}

function dirtyAnswers() {
  return (state.session?.questions ?? [])
    .filter((q) => isDirty(q.id) && currentText(q.id).trim())
    .map((q) => ({ question_id: q.id, text: currentText(q.id) }));
}

// ---------------------------------------------------------------- the session

async function openSession() {
  loadDrafts();
  try {
    applySession(await call("GET", base));
  } catch (error) {
    if (error.status === 404) sessionGone();
    else if (error.status !== 401) showBanner(`Could not load the practice session: ${describeError(error)} Reload to try again.`);
  }
}

function sessionGone() {
  state.gone = true;
  localStorage.removeItem(DRAFTS_PREFIX + practiceId);
  showBanner("This practice session does not exist, or it was deleted.");
  setText($("session-title"), "Practice session not found");
  for (const id of ["questions-card", "question-editor", "session-feedback"]) $(id).hidden = true;
  for (const id of ["generate", "edit-questions", "complete"]) $(id).hidden = true;
  $("session-meta").replaceChildren();
  setText($("session-progress"), "");
  $("session-status").hidden = true;
  $("answer-actions").hidden = true;
}

/** Takes the server's copy of the session and shows it. */
function applySession(next) {
  next.questions = [...(next.questions ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  next.answers ??= [];
  state.session = next;
  pruneDrafts();
  renderSession();
}

/** Reads the session again (after a reconnect, or a stream whose end was missed). */
async function refreshSession() {
  if (!state.session || state.gone) return;
  try {
    applySession(await call("GET", base));
  } catch (error) {
    if (error.status === 404) sessionGone();
  }
}

function renderSession() {
  const s = state.session;
  if (!s) return;
  const title = sessionTitle(s);
  setText($("session-title"), title);
  document.title = `Debrief — Practice: ${title}`;
  const badge = $("session-status");
  badge.dataset.status = s.status;
  setText(badge, STATUS_NAMES[s.status] ?? s.status);

  const meta = $("session-meta");
  const descriptionOpen = Boolean(meta.querySelector("details.job-description")?.open);
  meta.replaceChildren();
  const rows = [
    ["Role", s.job_title],
    ["Company", s.company],
    ["Type", TYPE_NAMES[s.interview_type] ?? s.interview_type],
    ["Started", formatDate(s.created_at)],
    ["Completed", s.completed_at ? formatDate(s.completed_at) : null],
  ];
  for (const [name, value] of rows) {
    if (!value) continue;
    const row = element("div");
    row.dataset.field = name.toLowerCase();
    row.append(element("dt", null, name), element("dd", null, value));
    meta.append(row);
  }
  if (s.resume_url) {
    const row = element("div");
    row.dataset.field = "resume";
    const dd = element("dd");
    if (/^https?:\/\//i.test(s.resume_url)) {
      const link = element("a", null, "open");
      link.href = s.resume_url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      dd.append(link);
    } else dd.textContent = s.resume_url;
    row.append(element("dt", null, "Résumé"), dd);
    meta.append(row);
  }
  if (s.job_description) {
    const details = element("details", "job-description");
    details.open = descriptionOpen;
    details.append(element("summary", null, "Job description"), element("p", null, s.job_description));
    const row = element("div");
    row.className = "wide";
    row.append(details);
    meta.append(row);
  }
  const focus = s.focus ?? [];
  $("session-focus").hidden = focus.length === 0;
  setText($("session-focus"), focus.length ? `Drill focus: ${focus.join(", ")}.` : "");
  const count = s.question_count ?? s.questions.length;
  setText($("session-progress"), count ? `${s.answered_count ?? 0} of ${plural(count, "question")} answered.` : "");

  const completed = s.status === "completed";
  const editing = Boolean(state.editing);
  $("generate").hidden = s.status !== "draft" || editing;
  $("edit-questions").hidden = completed || editing;
  $("complete").hidden = completed || editing || s.questions.length === 0;
  $("questions-card").hidden = editing;
  $("question-editor").hidden = !editing;
  $("answer-actions").hidden = completed || s.questions.length === 0;
  $("questions-empty").hidden = s.questions.length > 0;
  if (completed) state.unanswered.clear();
  renderQuestions();
  renderSaveStatus();
  renderSessionFeedback();
}

// ---------------------------------------------------------------- questions and answers

function renderQuestions() {
  const list = $("questions");
  const questions = state.session.questions;
  const ids = new Set(questions.map((q) => q.id));
  for (const [id, li] of state.items) {
    if (!ids.has(id)) {
      li.parts.recorder.remove();
      li.remove();
      state.items.delete(id);
    }
  }
  const items = questions.map((q, index) => {
    let li = state.items.get(q.id);
    if (!li) {
      li = questionItem(q);
      state.items.set(q.id, li);
    }
    updateQuestion(li, q, index);
    return li;
  });
  // Moving a node blurs it: only reorder when the order changed.
  const inOrder = items.length === list.children.length && items.every((li, i) => list.children[i] === li);
  if (!inOrder) list.replaceChildren(...items);
}

/** The parts of one question's <li>, made once. */
function questionItem(q) {
  const key = idPart(q.id);
  const li = element("li", "question");
  li.dataset.id = q.id;
  li.dataset.testid = "question";
  const head = element("div", "question-head");
  const number = element("span", "question-number");
  const text = element("h3", "question-text");
  text.id = `question-${key}-text`;
  text.dataset.testid = "question-text";
  head.append(number, text);
  const tags = element("p", "question-tags");
  const category = element("span", "tag");
  category.dataset.testid = "question-category";
  const source = element("span", "tag source");
  source.dataset.testid = "question-source";
  tags.append(category, " ", source);

  const label = element("label", "answer-label");
  label.htmlFor = `answer-${key}`;
  const answer = element("textarea", "answer");
  answer.id = `answer-${key}`;
  answer.rows = 5;
  answer.maxLength = 10000;
  answer.dataset.testid = "answer";
  answer.setAttribute("aria-describedby", `answer-${key}-state`);
  answer.addEventListener("input", () => {
    if (answer.value === savedText(q.id)) state.drafts.delete(q.id);
    else state.drafts.set(q.id, answer.value);
    storeDrafts();
    if (answer.value.trim()) state.unanswered.delete(q.id);
    updateAnswerState(li, q.id);
    renderSaveStatus();
  });
  const answerState = element("p", "answer-state muted");
  answerState.id = `answer-${key}-state`;
  answerState.dataset.testid = "answer-state";

  const actions = element("div", "actions question-actions");
  const coachButton = button("Get feedback", "secondary coach", "coach");
  coachButton.setAttribute("aria-describedby", text.id);
  coachButton.addEventListener("click", () => coach(q.id));
  const recorder = spoken.recorder(q.id);
  actions.append(recorder.button, coachButton);
  const delivery = element("div", "delivery");
  delivery.dataset.testid = "delivery";

  const feedback = element("div", "coaching");
  feedback.dataset.testid = "feedback";
  feedback.hidden = true;
  const heading = element("h4", "coaching-title", "Feedback");
  const stream = element("p", "feedback-stream");
  stream.dataset.testid = "feedback-stream";
  stream.dataset.placeholder = "Your coach is reading the answer…";
  stream.setAttribute("aria-live", "polite");
  stream.setAttribute("aria-atomic", "false");
  const stale = element("p", "feedback-stale muted", "This feedback is on an earlier version of your answer.");
  stale.dataset.testid = "feedback-stale";
  stale.hidden = true;
  const result = element("div", "feedback-result");
  result.dataset.testid = "feedback-result";
  result.hidden = true;
  const error = element("p", "error feedback-error");
  error.setAttribute("role", "alert");
  error.dataset.testid = "feedback-error";
  error.hidden = true;
  // The streamed text is the coach's whole note; once the structured feedback is
  // in, it folds away (the same points are listed below it).
  const notes = element("details", "coach-notes");
  notes.open = true;
  notes.append(element("summary", null, "The coach's notes"), stream);
  feedback.append(heading, stale, notes, result);
  li.append(head, tags, label, answer, answerState, actions, recorder.panel, delivery, feedback, error);
  li.parts = { number, text, category, source, label, answer, answerState, coachButton, recorder, delivery, feedback, notes, stream, stale, result, error };
  return li;
}

function updateQuestion(li, q, index) {
  const { parts } = li;
  const completed = state.session.status === "completed";
  li.dataset.order = String(index + 1);
  setText(parts.number, `Question ${index + 1}`);
  setText(parts.text, q.text);
  setText(parts.category, CATEGORY_NAMES[q.category] ?? q.category ?? "General");
  parts.category.hidden = !q.category;
  setText(parts.source, SOURCE_NAMES[q.source] ?? q.source ?? "");
  parts.source.hidden = !q.source;
  if (q.skill) parts.source.title = `Probes: ${q.skill}`;
  setText(parts.label, `Your answer to question ${index + 1}`);
  const shown = currentText(q.id);
  if (parts.answer.value !== shown && document.activeElement !== parts.answer) parts.answer.value = shown;
  parts.answer.readOnly = completed;
  parts.coachButton.hidden = completed;
  parts.recorder.update({ category: q.category, closed: completed, describedBy: parts.text.id });
  showDelivery(parts.delivery, answerOf(q.id)?.delivery ?? null);
  updateAnswerState(li, q.id);
  renderCoaching(li, q.id);
}

function updateAnswerState(li, questionId) {
  const { answer, answerState } = li.parts;
  const saved = answerOf(questionId);
  const unanswered = state.unanswered.has(questionId);
  li.dataset.unanswered = String(unanswered);
  if (unanswered) answer.setAttribute("aria-invalid", "true");
  else answer.removeAttribute("aria-invalid");
  let text;
  if (unanswered) text = "Not answered yet: the session cannot be completed without it.";
  else if (isDirty(questionId)) text = currentText(questionId).trim() ? "Not saved yet." : "Empty answers are not saved.";
  else if (saved?.text) text = `Saved ${formatDate(saved.updated_at)}.`;
  else text = "Not answered yet.";
  li.dataset.saved = String(Boolean(saved?.text) && !isDirty(questionId));
  setText(answerState, text);
  const coaching = state.coaching.get(questionId);
  const shownText = coaching && !coaching.failed ? coaching.text : saved?.feedback ? saved.text : null;
  li.parts.stale.hidden = shownText == null || currentText(questionId) === shownText;
}

/** What the feedback area shows: a stream in progress, its end, or the stored feedback. */
function feedbackView(questionId) {
  const coaching = state.coaching.get(questionId);
  if (coaching) {
    if (coaching.failed) return { text: "", error: coaching.failed };
    const stream = coaching.streamId ? state.streams.get(coaching.streamId) : null;
    const text = stream ? [...stream.pieces.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t).join("") : "";
    if (stream?.done) return { text: text || stream.done.feedback.detail, feedback: stream.done.feedback, metrics: stream.done.metrics };
    if (stream?.error) return { text, error: `Coaching stopped: ${describeError(stream.error.error)}` };
    if (coaching.fallback) return { text: text || coaching.fallback.feedback.detail, ...coaching.fallback };
    return { text, streaming: true };
  }
  const saved = answerOf(questionId);
  if (saved?.feedback) return { text: saved.feedback.detail, feedback: saved.feedback, metrics: saved.metrics };
  return null;
}

function renderCoaching(li, questionId) {
  const { feedback, notes, stream, result, error, coachButton } = li.parts;
  const view = feedbackView(questionId);
  feedback.hidden = !view || (!view.streaming && !view.text && !view.feedback);
  const phase = view?.streaming ? "streaming" : view?.feedback ? "done" : view?.error ? "error" : "idle";
  if (feedback.dataset.state !== phase) notes.open = phase !== "done";
  notes.hidden = !view?.text && !view?.streaming;
  feedback.dataset.state = phase;
  stream.setAttribute("aria-busy", String(Boolean(view?.streaming)));
  setText(stream, view?.text ?? "");
  stream.classList.toggle("waiting", Boolean(view?.streaming) && !view.text);
  error.hidden = !view?.error;
  setText(error, view?.error ?? "");
  coachButton.disabled = Boolean(view?.streaming);
  setText(coachButton, view?.streaming ? "Getting feedback…" : view?.feedback ? "Get new feedback" : "Get feedback");
  if (view?.feedback) {
    if (result.shown !== view.feedback) {
      result.replaceChildren(...feedbackParts(view.feedback, view.metrics, { detail: false, structure: true }));
      result.shown = view.feedback;
    }
    result.hidden = false;
  } else {
    result.hidden = true;
    result.replaceChildren();
    result.shown = null;
  }
}

/** The structured feedback (rating, strengths, improvements, structure, detail) and the answer's measures. */
function feedbackParts(feedback, metrics, { detail, structure }) {
  const parts = [ratingNode(feedback.rating, "feedback-rating")];
  const lists = element("div", "feedback-lists");
  for (const [title, items, testid] of [["Strengths", feedback.strengths, "feedback-strengths"], ["To improve", feedback.improvements, "feedback-improvements"]]) {
    if (!items?.length) continue;
    const box = element("div");
    const list = element("ul");
    list.dataset.testid = testid;
    list.append(...items.map((item) => element("li", null, item)));
    box.append(element("h4", null, title), list);
    lists.append(box);
  }
  if (lists.children.length) parts.push(lists);
  if (structure && feedback.suggested_structure?.length) {
    const box = element("div", "structure");
    const list = element("ol");
    list.dataset.testid = "feedback-structure";
    list.append(...feedback.suggested_structure.map((step) => element("li", null, step)));
    box.append(element("h4", null, "A stronger structure"), list);
    parts.push(box);
  }
  if (detail && feedback.detail) {
    const text = element("p", "feedback-detail", feedback.detail);
    text.dataset.testid = "feedback-detail";
    parts.push(text);
  }
  if (metrics) parts.push(metricsNode(metrics));
  const by = FEEDBACK_BY[feedback.source] ?? feedback.source;
  if (by) parts.push(element("p", "feedback-source muted", `Feedback by ${by}${feedback.updated_at ? `, ${formatDate(feedback.updated_at)}` : ""}.`));
  return parts;
}

function metricsNode(metrics) {
  const list = element("dl", "answer-metrics");
  list.dataset.testid = "feedback-metrics";
  const row = (name, field, ...value) => {
    const div = element("div");
    div.dataset.metric = field;
    const dd = element("dd");
    dd.append(...value);
    div.append(element("dt", null, name), dd);
    list.append(div);
  };
  row("Words", "word_count", String(metrics.word_count ?? 0));
  const terms = metrics.filler_terms?.length ? ` (${[...new Set(metrics.filler_terms)].join(", ")})` : "";
  row("Fillers", "fillers", `${metrics.fillers ?? 0}${terms}`);
  row("Hedges", "hedges", String(metrics.hedges ?? 0));
  row("STAR", "star", starNode(metrics.star ?? {}), ` ${metrics.star_score ?? 0} / 100`);
  row("Numbers", "has_numbers", metrics.has_numbers ? "Yes" : "None");
  row("Answer score", "score", `${metrics.score ?? 0} / 100`);
  return list;
}

function starNode(star) {
  const ticks = element("ul", "star");
  ticks.setAttribute("aria-label", "STAR parts");
  for (const [key, letter, name] of STAR_PARTS) {
    const present = Boolean(star[key]);
    const tick = element("li", "star-part");
    tick.dataset.part = key;
    tick.dataset.present = String(present);
    tick.title = `${name}: ${present ? "present" : "missing"}`;
    const letterNode = element("span", "star-letter", letter);
    const mark = element("span", "star-mark", present ? "✓" : "✗");
    letterNode.setAttribute("aria-hidden", "true");
    mark.setAttribute("aria-hidden", "true");
    tick.append(letterNode, mark, element("span", "visually-hidden", `${name}: ${present ? "present" : "missing"}`));
    ticks.append(tick);
  }
  return ticks;
}

function renderSaveStatus() {
  if (!state.session) return;
  const dirty = dirtyAnswers().length;
  const status = $("save-status");
  if (status.dataset.state === "saving") return;
  status.dataset.state = dirty ? "dirty" : "clean";
  setText(status, dirty ? `${plural(dirty, "answer")} not saved yet (kept on this device until you save).`
    : status.dataset.said ?? "");
}

function questionItemOf(questionId) {
  return state.items.get(questionId) ?? null;
}

function rerenderQuestion(questionId) {
  const li = questionItemOf(questionId);
  if (!li) return;
  updateAnswerState(li, questionId);
  renderCoaching(li, questionId);
}

/** The server stored this text as the question's answer (a coach request does). */
function markSaved(questionId, text) {
  const s = state.session;
  let answer = answerOf(questionId);
  if (answer) {
    if (answer.text !== text) Object.assign(answer, { text, feedback: null, delivery: null, answer_id: null, updated_at: new Date().toISOString() });
  } else {
    answer = { question_id: questionId, text, updated_at: new Date().toISOString(), metrics: null, feedback: null };
    s.answers.push(answer);
  }
  if (s.status === "draft") s.status = "in_progress";
  s.answered_count = s.answers.filter((a) => a.text.trim()).length;
  if (state.drafts.get(questionId) === text) state.drafts.delete(questionId);
  storeDrafts();
}

async function saveAnswers() {
  const answers = dirtyAnswers();
  const status = $("save-status");
  delete status.dataset.said;
  if (!answers.length) {
    status.dataset.said = "Every answer is saved.";
    renderSaveStatus();
    return true;
  }
  const control = $("save-answers");
  control.disabled = true;
  status.dataset.state = "saving";
  setText(status, "Saving…");
  showError("session-error", null);
  try {
    const updated = await call("PUT", `${base}/answers`, { answers });
    for (const { question_id: id, text } of answers) {
      if (state.drafts.get(id) === text) state.drafts.delete(id);
      // Feedback on the text it replaced is gone on the server too.
      const coaching = state.coaching.get(id);
      if (coaching && coaching.text !== text && !feedbackView(id)?.streaming) forgetCoaching(id);
    }
    status.dataset.state = "clean";
    status.dataset.said = `Saved ${plural(answers.length, "answer")}.`;
    applySession(updated);
    return true;
  } catch (error) {
    status.dataset.state = "clean";
    if (error.status === 401) return false;
    let message = `Could not save the answers: ${describeError(error)}`;
    if (error.status === 409) message = "This session is completed: its answers can no longer change.";
    else if (error.status === 422) message = `Could not save the answers: ${describeError(error)} Reload to see the current questions.`;
    showError("session-error", message);
    renderSaveStatus();
    return false;
  } finally {
    control.disabled = false;
  }
}

// ---------------------------------------------------------------- coaching

function forgetCoaching(questionId) {
  const coaching = state.coaching.get(questionId);
  if (!coaching) return;
  clearTimeout(coaching.timer);
  state.coaching.delete(questionId);
}

async function coach(questionId) {
  const li = questionItemOf(questionId);
  const text = currentText(questionId);
  if (!text.trim()) {
    forgetCoaching(questionId);
    rerenderQuestion(questionId);
    showQuestionError(li, "Write an answer first, then ask for feedback.");
    li?.parts.answer.focus();
    return;
  }
  forgetCoaching(questionId);
  const entry = { text, streamId: null, failed: null, fallback: null, timer: null };
  state.coaching.set(questionId, entry);
  rerenderQuestion(questionId);
  try {
    const accepted = await call("POST", `${base}/questions/${encodeURIComponent(questionId)}/coach`, { text });
    if (state.coaching.get(questionId) !== entry) return;
    entry.streamId = accepted.stream_id;
    markSaved(questionId, text);
    watchStream(questionId, entry);
    renderSession();
  } catch (error) {
    if (state.coaching.get(questionId) !== entry || error.status === 401) return;
    entry.failed = error.status === 409
      ? "This session is completed: its answers can no longer change."
      : `Could not get feedback: ${describeError(error)}`;
    rerenderQuestion(questionId);
  }
}

/** Shows a one-off message in a question's error line. */
function showQuestionError(li, message) {
  if (!li) return;
  li.parts.error.hidden = !message;
  setText(li.parts.error, message ?? "");
}

/** If the stream goes quiet before its end, reads the stored feedback back. */
function watchStream(questionId, entry) {
  clearTimeout(entry.timer);
  entry.timer = setTimeout(async () => {
    if (state.coaching.get(questionId) !== entry || !feedbackView(questionId)?.streaming) return;
    try {
      const fresh = await call("GET", base);
      if (state.coaching.get(questionId) !== entry || !feedbackView(questionId)?.streaming) return;
      const answer = fresh.answers?.find((a) => a.question_id === questionId);
      applySession(fresh);
      if (answer?.feedback && answer.text === entry.text) entry.fallback = { feedback: answer.feedback, metrics: answer.metrics };
      else entry.failed = "No feedback arrived. Try again.";
      rerenderQuestion(questionId);
    } catch (error) {
      if (error.status === 401) return;
      watchStream(questionId, entry);
    }
  }, FEEDBACK_FALLBACK_MS);
}

/** A spoken answer is stored: it is the answer now, and the next coaching stream on it is ours. */
function onTranscribed(frame) {
  const li = questionItemOf(frame.question_id);
  if (!li) return;
  state.drafts.delete(frame.question_id);
  markSaved(frame.question_id, frame.text);
  Object.assign(answerOf(frame.question_id), { feedback: null, delivery: frame.delivery, answer_id: frame.answer_id });
  forgetCoaching(frame.question_id);
  const entry = { text: frame.text, spoken: true, streamId: null, failed: null, fallback: null, timer: null };
  state.coaching.set(frame.question_id, entry);
  watchStream(frame.question_id, entry);
  li.parts.answer.value = frame.text;
  renderSession();
}

function onFeedbackFrame(frame) {
  if (!state.session || frame.practice_id !== state.session.id || !frame.stream_id) return;
  const spokenEntry = state.coaching.get(frame.question_id);
  if (spokenEntry?.spoken && !spokenEntry.streamId && !state.streams.has(frame.stream_id)) spokenEntry.streamId = frame.stream_id;
  let stream = state.streams.get(frame.stream_id);
  if (!stream) {
    stream = { questionId: frame.question_id, pieces: new Map(), done: null, error: null };
    state.streams.set(frame.stream_id, stream);
  }
  if (frame.type === "practice.feedback.delta") {
    if (!stream.done && typeof frame.text === "string") stream.pieces.set(Number(frame.seq) || stream.pieces.size + 1, frame.text);
  } else if (frame.type === "practice.feedback.done") {
    stream.done = frame;
  } else {
    stream.error = frame;
  }
  const coaching = state.coaching.get(frame.question_id);
  const ours = coaching?.streamId === frame.stream_id;
  if (ours) {
    if (frame.type === "practice.feedback.delta") watchStream(frame.question_id, coaching);
    else clearTimeout(coaching.timer);
  }
  if (frame.type === "practice.feedback.done") {
    const answer = answerOf(frame.question_id);
    if (ours && answer && answer.text === coaching.text) Object.assign(answer, { feedback: frame.feedback, metrics: frame.metrics });
    // Coaching asked for elsewhere (another tab) changed the stored answer: read it.
    if (!ours && !coaching) refreshSession();
  }
  if (ours) rerenderQuestion(frame.question_id);
}

// ---------------------------------------------------------------- generate, edit, complete

async function generate() {
  const s = state.session;
  if (s.questions.length && !confirm("Replace the current questions with newly generated ones?")) return;
  const control = $("generate");
  control.disabled = true;
  setText(control, "Generating…");
  showError("session-error", null);
  setText($("session-note"), "Preparing questions for this role…");
  try {
    applySession(await call("POST", `${base}/questions/generate`, {}));
    setText($("session-note"), `${plural(state.session.questions.length, "question")} ready.`);
    $("questions").querySelector("textarea")?.focus();
  } catch (error) {
    setText($("session-note"), "");
    if (error.status === 401) return;
    showError("session-error", error.status === 409
      ? "Questions can only be generated before you start answering."
      : `Could not generate questions: ${describeError(error)}`);
    if (error.status === 409) refreshSession();
  } finally {
    control.disabled = false;
    setText(control, "Generate questions");
  }
}

function openEditor() {
  state.editing = state.session.questions.map((q) => ({ key: q.id, id: q.id, text: q.text, category: q.category ?? null }));
  showError("editor-error", null);
  renderSession();
  renderEditor();
  $("editor-title").tabIndex = -1;
  $("editor-title").focus();
}

function closeEditor() {
  state.editing = null;
  renderSession();
  $("edit-questions").focus();
}

function renderEditor(focus) {
  const list = $("edit-list");
  list.replaceChildren();
  const rows = state.editing;
  rows.forEach((row, index) => {
    const li = element("li", "edit-row");
    li.dataset.key = row.key;
    li.dataset.testid = "edit-row";
    const label = element("label", null, `Question ${index + 1}`);
    const text = element("textarea");
    text.rows = 2;
    text.maxLength = 2000;
    text.value = row.text;
    text.dataset.testid = "edit-question-text";
    text.addEventListener("input", () => { row.text = text.value; });
    label.append(text);
    const actions = element("div", "edit-actions");
    const move = (delta, name, testid) => {
      const control = button(name, "secondary", testid);
      control.setAttribute("aria-label", `${name}: question ${index + 1}`);
      control.disabled = index + delta < 0 || index + delta >= rows.length;
      control.addEventListener("click", () => {
        rows.splice(index, 1);
        rows.splice(index + delta, 0, row);
        renderEditor({ key: row.key, testid });
      });
      return control;
    };
    const remove = button("Remove", "danger", "remove-question");
    remove.setAttribute("aria-label", `Remove question ${index + 1}`);
    remove.addEventListener("click", () => {
      if (row.id && answerOf(row.id)?.text && !confirm("Remove this question and its answer?")) return;
      rows.splice(index, 1);
      renderEditor();
      (list.children[Math.min(index, rows.length - 1)]?.querySelector("textarea") ?? $("add-question")).focus();
    });
    actions.append(move(-1, "Move up", "move-up"), move(1, "Move down", "move-down"), remove);
    li.append(label, actions);
    list.append(li);
  });
  if (focus) {
    const li = [...list.children].find((x) => x.dataset.key === focus.key);
    const target = li?.querySelector(`[data-testid="${focus.testid}"]`);
    (target && !target.disabled ? target : li?.querySelector("textarea"))?.focus();
  }
}

function addQuestion() {
  newRows += 1;
  state.editing.push({ key: `new-${newRows}`, id: null, text: "", category: null });
  renderEditor({ key: `new-${newRows}`, testid: "edit-question-text" });
}

async function saveQuestions() {
  const rows = state.editing;
  const empty = rows.findIndex((row) => !row.text.trim());
  if (empty >= 0) {
    showError("editor-error", `Question ${empty + 1} is empty: write it or remove it.`);
    $("edit-list").children[empty]?.querySelector("textarea")?.focus();
    return;
  }
  const questions = rows.map((row) => {
    const q = { text: row.text.trim() };
    if (row.id) q.id = row.id;
    if (row.category) q.category = row.category;
    return q;
  });
  const control = $("save-questions");
  control.disabled = true;
  showError("editor-error", null);
  try {
    const updated = await call("PUT", `${base}/questions`, { questions });
    state.editing = null;
    applySession(updated);
    setText($("session-note"), "Questions saved.");
    $("edit-questions").focus();
  } catch (error) {
    if (error.status === 401) return;
    showError("editor-error", error.status === 409
      ? "This session is completed: its questions can no longer change."
      : `Could not save the questions: ${describeError(error)}`);
  } finally {
    control.disabled = false;
  }
}

/**
 * Completes the session, saving what was typed first. `anyway` (the "Complete
 * anyway" button after a 409 questions_unanswered) completes it with questions
 * left unanswered: the feedback then names them.
 */
async function complete(anyway = false) {
  const main = $("complete");
  const extra = anyway ? $("complete-anyway") : null;
  const control = extra ?? main;
  const label = control.textContent;
  if (!anyway) showError("session-error", null);
  main.disabled = true;
  if (extra) extra.disabled = true;
  try {
    if (!(await saveAnswers())) return;
    setText(control, "Completing…");
    const done = await call("POST", `${base}/complete`, anyway ? { allow_unanswered: true } : undefined);
    state.unanswered.clear();
    showError("session-error", null);
    applySession(done);
    setText($("session-note"), anyway ? "Session completed with questions left unanswered." : "Session completed.");
    $("session-feedback-title").tabIndex = -1;
    $("session-feedback-title").focus();
  } catch (error) {
    if (error.status === 401) return;
    if (error.code === "questions_unanswered") showUnanswered(error.details?.unanswered ?? []);
    else if (error.status === 409 && state.session.status === "draft") {
      showError("session-error", "Answer at least one question (and save it) before completing the session.");
    } else {
      showError("session-error", `Could not complete the session: ${describeError(error)}`);
      if (error.status === 409) refreshSession();
    }
  } finally {
    main.disabled = false;
    setText(main, "Complete session");
    if (extra) {
      extra.disabled = false;
      setText(extra, label);
      // A failure replaced the message the button sat in: keep focus on a way to complete.
      if (!extra.isConnected && !main.hidden) main.focus();
    }
  }
}

/** 409 questions_unanswered: marks those questions and lists them with links to their answers. */
function showUnanswered(ids) {
  state.unanswered = new Set(ids);
  const questions = state.session.questions;
  const box = $("session-error");
  box.replaceChildren();
  const count = ids.length;
  box.append(element("p", null, count
    ? `Answer every question before completing: ${plural(count, "question has", "questions have")} no answer yet.`
    : "Answer every question before completing the session."));
  const list = element("ul", "unanswered-list");
  list.dataset.testid = "unanswered-list";
  for (const id of ids) {
    const index = questions.findIndex((q) => q.id === id);
    if (index < 0) continue;
    const item = element("li");
    item.dataset.id = id;
    const link = element("a", null, `Question ${index + 1}: ${questions[index].text}`);
    link.href = `#answer-${idPart(id)}`;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const answer = questionItemOf(id)?.parts.answer;
      answer?.scrollIntoView({ block: "center" });
      answer?.focus();
    });
    item.append(link);
    list.append(item);
  }
  if (list.children.length) box.append(list);
  if (count) {
    // Or complete it as it is: the feedback then lists what was skipped.
    const hint = element("p", "hint complete-anyway-hint", "Or complete the session as it is: its feedback names the unanswered questions to practise next.");
    hint.id = "complete-anyway-hint";
    const anyway = button("Complete anyway", "secondary", "complete-anyway");
    anyway.id = "complete-anyway";
    anyway.setAttribute("aria-describedby", "complete-anyway-hint");
    anyway.addEventListener("click", () => complete(true));
    const actions = element("div", "actions complete-anyway");
    actions.append(anyway);
    box.append(hint, actions);
  }
  box.hidden = false;
  renderQuestions();
}

// ---------------------------------------------------------------- session feedback

function renderSessionFeedback() {
  const s = state.session;
  const feedback = s.status === "completed" ? s.feedback : null;
  $("session-feedback").hidden = !feedback || Boolean(state.editing);
  const body = $("session-feedback-body");
  if (!feedback) {
    body.replaceChildren();
    return;
  }
  if (body.shown === feedback) return;
  body.shown = feedback;
  const parts = feedbackParts(feedback, null, { detail: true, structure: false });
  parts[0].dataset.testid = "session-rating";
  if (s.completed_at) {
    const when = element("p", "muted completed-at");
    when.dataset.testid = "completed-at";
    const time = element("time", null, formatDate(s.completed_at));
    time.dateTime = s.completed_at;
    when.append("Completed ", time, ".");
    parts.push(when);
  }
  body.replaceChildren(...parts);
}

async function regenerateFeedback() {
  const control = $("regenerate-feedback");
  control.disabled = true;
  setText(control, "Regenerating…");
  showError("feedback-error", null);
  try {
    applySession(await call("POST", `${base}/feedback/regenerate`));
    setText($("session-note"), "Feedback regenerated.");
  } catch (error) {
    if (error.status !== 401) showError("feedback-error", `Could not regenerate the feedback: ${describeError(error)}`);
  } finally {
    control.disabled = false;
    setText(control, "Regenerate feedback");
  }
}

function openFeedbackForm() {
  const feedback = state.session.feedback;
  const form = $("feedback-form");
  form.elements.namedItem("rating").value = String(feedback?.rating ?? 3);
  form.elements.namedItem("strengths").value = (feedback?.strengths ?? []).join("\n");
  form.elements.namedItem("improvements").value = (feedback?.improvements ?? []).join("\n");
  form.elements.namedItem("detail").value = feedback?.detail ?? "";
  form.hidden = false;
  $("edit-feedback").setAttribute("aria-expanded", "true");
  form.elements.namedItem("rating").focus();
}

function closeFeedbackForm() {
  $("feedback-form").hidden = true;
  $("edit-feedback").setAttribute("aria-expanded", "false");
  $("edit-feedback").focus();
}

async function saveFeedback(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const lines = (name) => form.elements.namedItem(name).value.split("\n").map((l) => l.trim()).filter(Boolean);
  const body = {
    rating: Number(form.elements.namedItem("rating").value),
    strengths: lines("strengths"),
    improvements: lines("improvements"),
    detail: form.elements.namedItem("detail").value.trim(),
  };
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  showError("feedback-error", null);
  try {
    applySession(await call("PUT", `${base}/feedback`, body));
    setText($("session-note"), "Feedback saved.");
    closeFeedbackForm();
  } catch (error) {
    if (error.status !== 401) showError("feedback-error", `Could not save the feedback: ${describeError(error)}`);
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------- socket

function onFrame(frame) {
  switch (frame.type) {
    case "practice.feedback.delta":
    case "practice.feedback.done":
    case "practice.feedback.error":
      return onFeedbackFrame(frame);
    case "practice.transcript.partial":
    case "practice.audio.error":
    case "practice.answer.transcribed":
      return spoken.onFrame(frame);
    // (Re)connected: what happened while away is in the stored session.
    case "hello.ok": return state.opens++ ? refreshSession() : undefined;
    case "error": return showBanner(`The server could not handle a request: ${frame.error?.message ?? "unknown error"}`);
    default: return undefined;
  }
}

// ---------------------------------------------------------------- wiring

$("create-form").addEventListener("submit", createSession);
$("drill").addEventListener("click", startDrill);
$("more-sessions").addEventListener("click", () => loadSessions(true));
$("generate").addEventListener("click", generate);
$("edit-questions").addEventListener("click", openEditor);
$("add-question").addEventListener("click", addQuestion);
$("save-questions").addEventListener("click", saveQuestions);
$("cancel-questions").addEventListener("click", closeEditor);
$("save-answers").addEventListener("click", saveAnswers);
$("complete").addEventListener("click", () => complete());
$("regenerate-feedback").addEventListener("click", regenerateFeedback);
$("edit-feedback").addEventListener("click", openFeedbackForm);
$("edit-feedback").setAttribute("aria-expanded", "false");
$("edit-feedback").setAttribute("aria-controls", "feedback-form");
$("cancel-feedback").addEventListener("click", closeFeedbackForm);
$("feedback-form").addEventListener("submit", saveFeedback);

async function start() {
  if (!session.token) return goHome();
  try {
    if (practiceId) {
      $("session-view").hidden = false;
      await openSession();
    } else {
      $("list-view").hidden = false;
      await loadSessions();
    }
  } finally {
    document.querySelector("main").setAttribute("aria-busy", "false");
  }
  if (!state.gone) live = connect({ onFrame, onState });
  return undefined;
}

start();
