// One recording (/interviews/{id}): its details, where processing is (live),
// and once it is analysed: the score and recommendations, speech metrics, a
// timeline chart, each question with the candidate's answer (its measures and
// STAR parts), tone, who spoke (the speakers, their roles and talk time, which
// the user may correct), and the transcript (speaker per line, search, downloads).
//
// Status comes from interview.status pushes on the WebSocket, with a GET every
// 5 s as a fallback while the recording is still being processed; a GET that
// started before a push arrived does not overwrite what the push said. When the
// status becomes `completed` the transcript and analysis are loaded in place.
// Notifications pushed meanwhile show as toasts. "Compare with practice" links
// one of the user's practice sessions and, once the recording is analysed,
// shows how the interview went against it. Saving corrected speakers (roles,
// merged labels) re-analyses the recording like "Re-analyse" does. All user,
// transcript and server text is rendered with textContent.
import { ApiError, connect, session } from "./api.js";
import { signedInPage } from "./app.js";
import { $, describeError, element, setText, showError } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 5000;
/** After a re-analyse or retry request, poll this long for the status to move. */
const REQUEST_WATCH_MS = 60_000;
const NOT_READY_RETRIES = 5;
const TOAST_MS = 10_000;
const TOAST_MAX = 4;
const SEARCH_DEBOUNCE_MS = 300;
/** The statuses the stage list shows, in order (`uploading` precedes them; `failed` ends any). */
const STAGES = ["uploaded", "transcribing", "analyzing", "completed"];
const PROCESSING = new Set(["uploading", "uploaded", "transcribing", "analyzing"]);
const TYPE_NAMES = { behavioral: "Behavioral", technical: "Technical", phone: "Phone screen", panel: "Panel" };
const CATEGORY_NAMES = { speech: "Speech", structure: "Structure", tone: "Tone", relevance: "Relevance" };
const SENTIMENT_NAMES = { positive: "Positive", neutral: "Neutral", negative: "Negative" };
const STAGE_TEXT = {
  queued: "Waiting for its turn…",
  decoding: "Decoding the audio…",
  transcribing: "Transcribing the speech…",
  diarizing: "Telling the speakers apart…",
  analyzing: "Analysing the answers…",
  notifying: "Almost done…",
  completed: "Done.",
};
const STATUS_TEXT = {
  uploading: "Still uploading: processing starts once the whole recording has arrived.",
  uploaded: "Waiting for its turn…",
  transcribing: "Transcribing the speech…",
  analyzing: "Analysing the answers…",
  completed: "Done.",
  failed: "Processing stopped.",
};
const STAR_PARTS = [["situation", "S", "Situation"], ["task", "T", "Task"], ["action", "A", "Action"], ["result", "R", "Result"]];
const PRACTICE_STATUS_NAMES = { draft: "draft", in_progress: "in progress", completed: "completed" };
const METRIC_NAMES = { score: "Answer score", star_score: "STAR score", fillers: "Fillers", hedges: "Hedges", word_count: "Words" };
/** Pages of practice sessions read for the link select (of up to 100 each). */
const PRACTICE_PAGES = 5;
const ROLES = ["interviewer", "candidate", "other"];
const ROLE_NAMES = { interviewer: "Interviewer", candidate: "Candidate", other: "Other" };
const SOURCE_TEXT = {
  diarization: "Told apart by their voices",
  channels: "Told apart by the recording's channels (one speaker per channel)",
  single: "One voice: the whole recording is taken as the candidate's",
  user: "As you set them",
};
/** Below this confidence (0–1) the page asks the user to check the roles. */
const DOUBTFUL_CONFIDENCE = 0.6;
/** Overlaps listed at most (the total counts them all). */
const OVERLAPS_SHOWN = 20;

const interviewId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] ?? "");
const base = `/api/v1/interviews/${encodeURIComponent(interviewId)}`;

const state = {
  interview: null,
  status: null,
  /** `{ stage, progress, eta_secs }` of the running stage, or null. */
  progress: null,
  failure: null,
  /** The furthest stage of STAGES seen, so a failure can be placed in the list. */
  reached: null,
  /** Counts status pushes, so a GET answered after a push does not undo it. */
  pushes: 0,
  /** Until when to poll although the status is final (a re-analyse or retry was asked for). */
  watchUntil: 0,
  requested: false,
  transcript: null,
  analysis: null,
  query: "",
  gone: false,
  /** The user's practice sessions (summaries), for the link select; null until read. */
  practices: null,
  /** The recording's speakers (`GET …/speakers`, or the transcript's), null until known. */
  speakers: null,
  /**
   * Where saving corrected speakers is: "saving" (PUT sent), "running" (accepted,
   * re-analysing), "reloading" (completed, results being read), "done", or null.
   */
  speakerSave: null,
  /** A saved correction's re-analysis was seen under way (a processing status). */
  speakerSaveStarted: false,
};
let live = null;
let pollTimer = null;
let resultsTicket = 0;
let resultsLoading = false;
let searchTicket = 0;
let searchTimer = null;
let compareTicket = 0;

// ---------------------------------------------------------------- helpers

const { goHome, call, showBanner, onState } = signedInPage({ connection: () => live });

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** `mm:ss` (or `h:mm:ss` from an hour on) of seconds from the start. */
function clock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const mmss = `${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss}` : mmss;
}

function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "about 40 s left" / "about 3 min left". */
function formatEta(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  return s < 60 ? `about ${s} s left` : `about ${Math.max(1, Math.round(s / 60))} min left`;
}

/** `m:ss` of a talk time (minutes not capped at 59). */
function talkTime(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const round1 = (n) => (Number(n) || 0).toFixed(1);
const clamp01 = (n) => Math.min(1, Math.max(0, Number(n) || 0));

function recordingTitle(interview) {
  const context = interview.context ?? interview;
  if (context.job_title && context.company) return `${context.job_title} at ${context.company}`;
  return context.company || context.job_title || interview.recording?.filename || "Untitled interview";
}

// ---------------------------------------------------------------- header and status

function renderHeader() {
  const interview = state.interview;
  const context = interview.context ?? interview;
  const title = recordingTitle(interview);
  setText($("recording-title"), title);
  document.title = `Debrief — ${title}`;
  const rows = [
    ["Company", context.company],
    ["Job title", context.job_title],
    ["Type", context.interview_type ? (TYPE_NAMES[context.interview_type] ?? context.interview_type) : null],
    ["File", interview.recording?.filename],
    ["Duration", interview.duration_secs != null ? formatDuration(interview.duration_secs) : null],
  ];
  const meta = $("recording-meta");
  meta.replaceChildren();
  for (const [name, value] of rows) {
    if (!value) continue;
    const row = element("div");
    row.dataset.field = name.toLowerCase().replace(" ", "_");
    row.append(element("dt", null, name), element("dd", null, value));
    meta.append(row);
  }
}

/** Where a failure happened in the stage list: the stage that was running. */
function failedStage() {
  return !state.reached || state.reached === "uploaded" ? "transcribing" : state.reached;
}

function renderStages() {
  const { status } = state;
  const current = status === "failed" ? failedStage() : status;
  const index = STAGES.indexOf(current);
  for (const li of $("stages").children) {
    const i = STAGES.indexOf(li.dataset.status);
    let step = "todo";
    if (index >= 0 && i < index) step = "done";
    else if (i === index) step = status === "failed" ? "failed" : status === "completed" ? "done" : "current";
    li.dataset.state = step;
    if (i === index) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
    let hint = li.querySelector(".visually-hidden");
    if (!hint) {
      hint = element("span", "visually-hidden");
      li.append(hint);
    }
    setText(hint, { done: " (done)", current: " (in progress)", failed: " (failed)", todo: "" }[step]);
  }
}

function renderStatus() {
  const { status, progress } = state;
  const badge = $("status-badge");
  badge.dataset.status = status;
  setText(badge, status);
  renderStages();

  const completed = status === "completed";
  $("processing").hidden = completed && Boolean(state.analysis);
  $("processing").dataset.status = status;
  let fraction = 0;
  let detail = STATUS_TEXT[status] ?? status;
  if (status === "uploading") {
    const { size_bytes: size, uploaded_bytes: uploaded } = state.interview?.recording ?? {};
    if (size) fraction = clamp01(uploaded / size);
  } else if (completed) {
    fraction = 1;
    detail = state.analysis ? "Done." : "Loading the results…";
  } else if (status === "failed") {
    fraction = Number($("stage-progress").getAttribute("aria-valuenow")) / 100;
  } else if (progress) {
    fraction = clamp01(progress.progress);
    detail = STAGE_TEXT[progress.stage] ?? detail;
  }
  const percent = Math.floor(fraction * 100);
  const bar = $("stage-progress");
  bar.setAttribute("aria-valuenow", String(percent));
  bar.setAttribute("aria-valuetext", `${percent} %`);
  bar.querySelector(".progress-fill").style.width = `${percent}%`;
  setText($("stage-detail"), PROCESSING.has(status) && status !== "uploaded" ? `${detail} ${percent} %` : detail);
  const eta = PROCESSING.has(status) && status !== "uploading" ? progress?.eta_secs : null;
  setText($("stage-eta"), eta != null ? formatEta(eta) : "");

  $("failure").hidden = status !== "failed";
  setText($("failure-reason"), status === "failed" ? state.failure || "Processing failed." : "");
  $("try-again").disabled = state.requested;
  $("stale-note").hidden = !(state.analysis && !completed);
  $("results").classList.toggle("stale", Boolean(state.analysis) && !completed);

  const reanalyse = $("reanalyse");
  reanalyse.hidden = !completed;
  reanalyse.disabled = state.requested;
  setText(reanalyse, state.requested ? "Re-analysing…" : "Re-analyse");
  renderSpeakersForm();
}

/** Takes a status (from a push or a GET) and reacts to what changed. */
function applyStatus({ status: reported, stage, progress, eta_secs: eta, failure }) {
  if (!reported) return;
  // Telling the speakers apart is part of transcribing (its stage says `diarizing`).
  const status = reported === "diarizing" ? "transcribing" : reported;
  const before = state.status;
  trackSpeakerSave(before, status);
  if (before !== null && status !== before) state.requested = false;
  state.status = status;
  state.progress = stage ? { stage, progress: progress ?? 0, eta_secs: eta ?? null } : null;
  if (STAGES.includes(status)) state.reached = status;
  state.failure = status === "failed" ? failure || state.failure : null;
  renderStatus();
  if (status === "completed" && (before !== "completed" || (!state.analysis && !resultsLoading))) loadResults();
  schedulePoll();
}

/** Takes a fresh copy of the interview; its status only if no push came since it was asked for. */
function applyInterview(interview, takeStatus) {
  const linkedBefore = state.interview ? state.interview.practice_id ?? null : undefined;
  state.interview = interview;
  renderHeader();
  renderCompare();
  if (!takeStatus) renderStatus();
  else {
    applyStatus({
      status: interview.status,
      stage: interview.progress?.stage,
      progress: interview.progress?.progress,
      eta_secs: interview.progress?.eta_secs,
      failure: interview.failure_reason,
    });
  }
  if ((interview.practice_id ?? null) !== linkedBefore) loadComparison();
}

function recordingGone() {
  state.gone = true;
  schedulePoll();
  live?.close();
  showBanner("This recording does not exist, or it was deleted.");
  setText($("recording-title"), "Recording not found");
  $("processing").hidden = true;
  $("results").hidden = true;
  $("reanalyse").hidden = true;
  $("compare").hidden = true;
  renderSpeakersForm();
}

/** Reads the interview again (the fallback to pushes, and after a reconnect). */
async function refresh() {
  if (state.gone) return;
  const pushes = state.pushes;
  try {
    applyInterview(await call("GET", base), pushes === state.pushes);
  } catch (error) {
    if (error.status === 404) recordingGone();
    // Anything else: the next poll or push tries again.
  }
}

function schedulePoll() {
  const watching = state.requested && Date.now() < state.watchUntil;
  const active = !state.gone && (PROCESSING.has(state.status) || watching);
  if (active && !pollTimer) pollTimer = setInterval(refresh, POLL_MS);
  if (!active && pollTimer) {
    clearInterval(pollTimer);
    pollTimer = null;
  }
}

/** POST …/analyze: re-analyse a completed recording, or try a failed one again. */
async function requestAnalysis() {
  state.requested = true;
  state.watchUntil = Date.now() + REQUEST_WATCH_MS;
  showError("reanalyse-error", null);
  renderStatus();
  try {
    await call("POST", `${base}/analyze`);
    schedulePoll();
    await refresh();
  } catch (error) {
    state.requested = false;
    renderStatus();
    if (error.status === 401) return;
    const message = `Could not start the analysis: ${describeError(error)}`;
    if (state.status === "failed") setText($("failure-reason"), message);
    else showError("reanalyse-error", message);
  }
}

// ---------------------------------------------------------------- results

async function loadResults(attempt = 0) {
  const ticket = ++resultsTicket;
  resultsLoading = true;
  $("results").setAttribute("aria-busy", "true");
  const [transcript, analysis] = await Promise.allSettled([
    call("GET", `${base}/transcript?format=json`),
    call("GET", `${base}/analysis`),
  ]);
  if (ticket !== resultsTicket) return;
  resultsLoading = false;
  $("results").setAttribute("aria-busy", "false");
  const failed = [transcript, analysis].find((r) => r.status === "rejected")?.reason;
  if (failed?.status === 401) return;
  if (failed?.status === 404) return recordingGone();
  if (failed?.code === "analysis_not_ready" || failed?.status === 409) {
    // Completed was seen before the results were stored: ask again shortly.
    if (attempt < NOT_READY_RETRIES) setTimeout(() => loadResults(attempt + 1), 1000 * (attempt + 1));
    else showBanner(`The results are not ready yet: ${describeError(failed)} Reload to try again.`);
    return;
  }
  const speakers = transcript.value?.speakers ?? analysis.value?.speakers;
  if (speakers) state.speakers = speakers;
  if (state.speakerSave === "reloading") state.speakerSave = "done";
  renderSpeakers();
  if (analysis.status === "fulfilled") {
    state.analysis = analysis.value;
    renderAnalysis(analysis.value);
  } else {
    showBanner(`Could not load the analysis: ${describeError(analysis.reason)}`);
  }
  if (transcript.status === "fulfilled") {
    state.transcript = transcript.value;
    renderTranscriptMeta(transcript.value);
    if (state.query) search(state.query);
    else renderSegments(transcript.value.segments ?? [], "");
    showError("transcript-error", null);
  } else {
    showError("transcript-error", `Could not load the transcript: ${describeError(transcript.reason)}`);
  }
  $("results").hidden = !state.analysis && !state.transcript;
  renderStatus();
  // The comparison is made from the analysis: read it again now that one is in.
  if (state.analysis) loadComparison();
}

function renderAnalysis(analysis) {
  renderScore(analysis);
  renderRecommendations(analysis);
  renderSpeech(analysis.speech);
  renderTimeline(analysis.timeline ?? []);
  renderStructure(analysis);
  renderTone(analysis.tone);
}

function renderScore(analysis) {
  setText($("score-overall"), String(analysis.score?.overall ?? "–"));
  const body = $("score-breakdown").tBodies[0];
  body.replaceChildren();
  for (const category of analysis.score?.breakdown ?? []) {
    const row = element("tr");
    row.dataset.category = category.category;
    const score = element("td", "number", String(category.score));
    const weight = element("td", "number", `${Math.round((category.weight ?? 0) * 100)} %`);
    // On a phone the rows stack (recording.css): these name the figures there.
    score.dataset.label = "Score";
    weight.dataset.label = "Weight";
    row.append(element("th", null, CATEGORY_NAMES[category.category] ?? category.category), score, weight,
      element("td", "explanation", category.explanation));
    row.firstChild.scope = "row";
    body.append(row);
  }
  const summary = $("judgement-summary");
  summary.hidden = !analysis.judgement?.summary;
  summary.replaceChildren();
  if (analysis.judgement?.summary) {
    summary.append(element("span", null, analysis.judgement.summary), element("span", "muted", ` (${analysis.judgement.engine})`));
  }
  const relevance = $("relevance");
  relevance.replaceChildren();
  relevance.hidden = !analysis.relevance;
  if (analysis.relevance) {
    const { score, matched = [], missing = [] } = analysis.relevance;
    relevance.append(element("h3", null, `Job description keywords: ${score} / 100`));
    if (matched.length) relevance.append(element("p", null, `Said: ${matched.join(", ")}.`));
    if (missing.length) relevance.append(element("p", null, `Not said: ${missing.join(", ")}.`));
  }
}

function renderRecommendations(analysis) {
  const list = $("recommendations");
  list.replaceChildren();
  for (const advice of analysis.recommendations ?? []) {
    const li = element("li", "recommendation");
    li.dataset.category = advice.category;
    li.append(element("span", "tag", CATEGORY_NAMES[advice.category] ?? advice.category), " ", element("span", "message", advice.message));
    if (advice.evidence) li.append(" ", element("q", "evidence", advice.evidence));
    if (advice.at_secs != null) {
      const jump = element("a", "jump", `jump to ${clock(advice.at_secs)}`);
      jump.href = "#transcript-title";
      jump.dataset.at = String(advice.at_secs);
      jump.setAttribute("aria-label", `Jump to ${clock(advice.at_secs)} in the transcript`);
      li.append(" ", jump);
    }
    list.append(li);
  }
  $("recommendations-empty").hidden = (analysis.recommendations ?? []).length > 0;

  const missing = analysis.missing ?? [];
  $("missing").hidden = missing.length === 0;
  setText($("missing"), missing.length ? `Not included: ${missing.join(" ")}` : "");
  const notes = $("notes");
  notes.replaceChildren(...(analysis.notes ?? []).map((note) => element("li", null, note)));
  notes.hidden = notes.children.length === 0;
}

function renderSpeech(speech) {
  if (!speech) return;
  const { fillers, pauses } = speech;
  setText($("metric-wpm"), `${Math.round(speech.words_per_minute)} wpm`);
  setText($("metric-wpm-note"), `words per minute, over ${formatDuration(speech.speaking_secs)} of speaking`);
  setText($("metric-fillers"), String(fillers.total));
  setText($("metric-fillers-note"), `${round1(fillers.per_minute)} per minute`);
  setText($("metric-pauses"), String(pauses.count));
  setText($("metric-pauses-note"), pauses.count
    ? `longest ${round1(pauses.longest_secs)} s${pauses.longest_at_secs != null ? ` at ${clock(pauses.longest_at_secs)}` : ""}`
    : "no pauses of 0.6 s or more");
  setText($("metric-clarity"), `${speech.clarity} / 100`);
  setText($("metric-clarity-note"), speech.mean_word_probability != null
    ? `mean word confidence ${Math.round(speech.mean_word_probability * 100)} %`
    : "from pace and fillers");
  const body = $("filler-table").tBodies[0];
  body.replaceChildren();
  for (const item of fillers.items ?? []) {
    const row = element("tr");
    row.append(element("th", null, item.term), element("td", "number", String(item.count)), element("td", "number", round1(item.per_minute)));
    row.firstChild.scope = "row";
    body.append(row);
  }
  $("filler-table").hidden = body.children.length === 0;
  $("fillers-none").hidden = body.children.length > 0;
}

function renderStructure(analysis) {
  const structure = analysis.structure ?? { questions_detected: false, questions: [], answers: [] };
  const list = $("answers");
  list.replaceChildren();
  const average = structure.star_average;
  setText($("star-average"), average != null ? `Average STAR score: ${average} / 100.` : "");
  $("star-average").hidden = average == null;
  const note = $("star-note");
  note.hidden = structure.questions_detected;
  setText(note, structure.questions_detected ? ""
    : "No interviewer questions were detected, so the recording is treated as one answer and STAR analysis is skipped.");
  if (!structure.questions_detected) return;
  const judged = new Map((analysis.judgement?.answers ?? []).map((j) => [j.answer_index, j]));
  structure.answers.forEach((answer, index) => {
    const question = answer.question_index != null ? structure.questions[answer.question_index] : null;
    const li = element("li", "answer");
    li.dataset.testid = "answer";
    if (answer.question_index != null) li.dataset.question = String(answer.question_index);
    const heading = element("h3", "answer-question");
    if (question) {
      heading.append(element("span", "muted", `Q${answer.question_index + 1} · `),
        jumpLink(question.at_secs, clock(question.at_secs), `Jump to question ${answer.question_index + 1} in the transcript`),
        " ", element("span", null, question.text));
    } else heading.textContent = "Before the first question";
    li.append(heading);
    if (answer.excerpt) {
      const excerpt = element("p", "answer-excerpt muted");
      excerpt.append(element("q", null, answer.excerpt), ` (${clock(answer.start)}–${clock(answer.end)})`);
      li.append(excerpt);
    }
    if (!answer.word_count) {
      li.append(element("p", "star-score", "No answer was given."));
      list.append(li);
      return;
    }
    li.append(answerMeasures(answer));
    if (answer.star) {
      const ticks = element("ul", "star");
      ticks.setAttribute("aria-label", "STAR elements");
      for (const [key, letter, name] of STAR_PARTS) {
        const present = Boolean(answer.star[key]);
        const tick = element("li", "star-part");
        tick.dataset.present = String(present);
        tick.dataset.part = key;
        const cues = (answer.star.cues ?? []).filter((c) => c.part === key).map((c) => `“${c.quote || c.phrase}” at ${clock(c.at_secs)}`);
        tick.title = present ? `${name}: ${cues.join(", ") || "found"}` : `${name}: not found`;
        tick.append(element("span", "star-letter", letter), element("span", "star-mark", present ? "✓" : "✗"));
        tick.lastChild.setAttribute("aria-hidden", "true");
        tick.firstChild.setAttribute("aria-hidden", "true");
        tick.append(element("span", "visually-hidden", `${name}: ${present ? "present" : "missing"}`));
        ticks.append(tick);
      }
      li.append(ticks);
      // The words each part was found in, so the reader can check it.
      const quotes = element("ul", "star-quotes");
      for (const [key, letter, name] of STAR_PARTS) {
        const cue = (answer.star.cues ?? []).find((c) => c.part === key && c.quote);
        if (!cue) continue;
        const item = element("li", null);
        item.append(element("abbr", "star-letter", letter), " ", element("q", null, cue.quote), ` (${clock(cue.at_secs)})`);
        item.firstChild.title = name;
        quotes.append(item);
      }
      if (quotes.childElementCount) li.append(quotes);
    }
    if (answer.fit) {
      const reasons = answer.fit.reasons?.length ? ` — ${answer.fit.reasons.join("; ")}.` : ".";
      const fit = element("p", "answer-fit", `Answers the question: ${answer.fit.score} / 5${reasons}`);
      fit.dataset.testid = "answer-fit";
      li.append(fit);
    }
    let scoreText = "STAR not analysed for this answer.";
    if (answer.star_score != null) scoreText = `STAR score: ${answer.star_score} / 100${answer.star_expected ? "" : " (not a story question, so not scored)"}.`;
    li.append(element("p", "star-score", scoreText));
    const judgement = judged.get(index);
    if (judgement) li.append(element("p", "answer-judgement", `Relevance ${judgement.relevance} / 100: ${judgement.comment}`));
    const jump = jumpLink(answer.start, `Show the answer in the transcript (${clock(answer.start)})`,
      `Jump to the answer${question ? ` to question ${answer.question_index + 1}` : ""} at ${clock(answer.start)} in the transcript`);
    jump.dataset.testid = "answer-jump";
    const way = element("p", "answer-jump");
    way.append(jump);
    li.append(way);
    list.append(li);
  });
}

/** A link that scrolls the transcript to `seconds` (handled by onJump). */
function jumpLink(seconds, text, label) {
  const jump = element("a", "jump", text);
  jump.href = "#transcript-title";
  jump.dataset.at = String(seconds);
  if (label) jump.setAttribute("aria-label", label);
  return jump;
}

/** An answer's measures: how long, how many words, fillers, pace, and relevance when known. */
function answerMeasures(answer) {
  const wpm = Math.round(Number(answer.words_per_minute) || 0);
  const rows = [
    ["duration", "Duration", `${round1(answer.duration_secs)} s`],
    ["words", "Words", String(answer.word_count)],
    ["fillers", "Fillers", String(answer.filler_count ?? 0)],
    ["pace", "Pace", wpm ? `${wpm} wpm` : "too short to tell"],
  ];
  if (answer.relevance != null) rows.push(["relevance", "Relevance", `${answer.relevance} / 100`]);
  const list = element("dl", "answer-measures");
  list.setAttribute("aria-label", "Measures of this answer");
  for (const [field, name, value] of rows) {
    const row = element("div");
    row.dataset.field = field;
    row.append(element("dt", null, name), element("dd", null, value));
    list.append(row);
  }
  return list;
}

function renderTone(tone) {
  if (!tone) return;
  const list = $("tone");
  list.replaceChildren();
  const phrases = (items) => (items?.length ? items.map((h) => `“${h.phrase}” ×${h.count}`).join(", ") : "none found");
  const score = Number(tone.sentiment_score) || 0;
  const rows = [
    ["Sentiment", `${SENTIMENT_NAMES[tone.sentiment] ?? tone.sentiment} (${score > 0 ? "+" : ""}${score.toFixed(2)} on −1 to +1)`],
    ["Confidence", `${tone.confidence} / 100`],
    ["Enthusiasm", `${tone.enthusiasm} / 100`],
    ["Hedges", phrases(tone.hedges)],
  ];
  for (const [name, value] of rows) {
    const row = element("div");
    row.dataset.field = name.toLowerCase();
    row.append(element("dt", null, name), element("dd", null, value));
    list.append(row);
  }
}

// ---------------------------------------------------------------- timeline chart

/** A round upper bound for an axis (at least `floor`). */
function niceMax(value, floor) {
  const target = Math.max(value, floor);
  const step = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= target) return m * step;
  return 10 * step;
}

function timelineSummary(buckets) {
  const wpm = buckets.map((b) => b.words_per_minute);
  const fillers = buckets.map((b) => b.fillers);
  const sentiment = buckets.map((b) => b.sentiment);
  const total = fillers.reduce((a, b) => a + b, 0);
  const busiest = fillers.indexOf(Math.max(...fillers));
  const minutes = buckets.length === 1 ? "1 minute" : `${buckets.length} minutes`;
  const range = (values, digits) => {
    const lo = Math.min(...values).toFixed(digits);
    const hi = Math.max(...values).toFixed(digits);
    return lo === hi ? lo : `${lo} to ${hi}`;
  };
  return `Timeline of ${minutes}: pace ${range(wpm, 0)} words per minute; ${total} filler${total === 1 ? "" : "s"}`
    + `${total ? `, most in the minute from ${clock(buckets[busiest].minute_start_secs)}` : ""}; sentiment ${range(sentiment, 2)} (−1 negative to +1 positive).`;
}

function renderTimeline(buckets) {
  const figure = $("timeline");
  figure.replaceChildren();
  if (!buckets.length) {
    figure.append(element("p", "muted", "No timeline: the recording has no timed speech."));
    return;
  }
  const W = 640;
  const left = 52;
  const right = 44;
  const top = 14;
  const mainH = 140;
  const gap = 34;
  const sentH = 56;
  const axisY = top + mainH + gap + sentH;
  const H = axisY + 34;
  const plotW = W - left - right;
  const band = plotW / buckets.length;
  const x = (i) => left + band * (i + 0.5);
  const wpmMax = niceMax(Math.max(...buckets.map((b) => b.words_per_minute)), 200);
  const fillerMax = Math.max(1, ...buckets.map((b) => b.fillers));
  const yWpm = (v) => top + mainH - (v / wpmMax) * mainH;
  const yFill = (v) => top + mainH - (v / fillerMax) * mainH;
  const sentTop = top + mainH + gap;
  const ySent = (v) => sentTop + sentH / 2 - (Math.max(-1, Math.min(1, v)) * sentH) / 2;

  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "timeline-chart", role: "img", "aria-label": timelineSummary(buckets) });
  const grid = svg("g", { class: "grid" });
  const axes = svg("g", { class: "axis" });
  for (const v of [0, wpmMax / 2, wpmMax]) {
    grid.append(svg("line", { x1: left, x2: W - right, y1: yWpm(v), y2: yWpm(v) }));
    axes.append(svg("text", { x: left - 6, y: yWpm(v) + 4, "text-anchor": "end" }, String(Math.round(v))));
  }
  for (const v of fillerMax > 1 ? [0, Math.round(fillerMax / 2), fillerMax] : [0, 1]) {
    axes.append(svg("text", { x: W - right + 6, y: yFill(v) + 4, "text-anchor": "start" }, String(v)));
  }
  for (const [v, label] of [[1, "+1"], [0, "0"], [-1, "−1"]]) {
    grid.append(svg("line", { x1: left, x2: W - right, y1: ySent(v), y2: ySent(v), class: v === 0 ? "zero" : "" }));
    axes.append(svg("text", { x: left - 6, y: ySent(v) + 4, "text-anchor": "end" }, label));
  }
  axes.append(
    svg("text", { x: 12, y: top + mainH / 2, transform: `rotate(-90 12 ${top + mainH / 2})`, "text-anchor": "middle", class: "axis-title" }, "Words / min"),
    svg("text", { x: W - 8, y: top + mainH / 2, transform: `rotate(90 ${W - 8} ${top + mainH / 2})`, "text-anchor": "middle", class: "axis-title" }, "Fillers"),
    svg("text", { x: 12, y: sentTop + sentH / 2, transform: `rotate(-90 12 ${sentTop + sentH / 2})`, "text-anchor": "middle", class: "axis-title" }, "Sentiment"),
    svg("text", { x: left + plotW / 2, y: H - 4, "text-anchor": "middle", class: "axis-title" }, "Minute of the recording"),
    svg("line", { x1: left, x2: W - right, y1: top + mainH, y2: top + mainH, class: "baseline" }),
  );
  const every = Math.ceil(buckets.length / 8);
  buckets.forEach((b, i) => {
    if (i % every === 0) axes.append(svg("text", { x: x(i), y: axisY + 14, "text-anchor": "middle" }, clock(b.minute_start_secs)));
  });

  const bars = svg("g", { class: "series-fillers" });
  buckets.forEach((b, i) => {
    if (!b.fillers) return;
    const width = Math.min(band * 0.5, 28);
    bars.append(svg("rect", { x: x(i) - width / 2, width, y: yFill(b.fillers), height: top + mainH - yFill(b.fillers) }));
  });
  const line = (className, y, key) => {
    const group = svg("g", { class: className });
    const points = buckets.map((b, i) => `${x(i).toFixed(1)},${y(b[key]).toFixed(1)}`);
    if (buckets.length > 1) group.append(svg("polyline", { points: points.join(" "), fill: "none" }));
    buckets.forEach((b, i) => group.append(svg("circle", { cx: x(i), cy: y(b[key]), r: 3.5 })));
    return group;
  };
  chart.append(grid, bars, line("series-wpm", yWpm, "words_per_minute"), line("series-sentiment", ySent, "sentiment"), axes);

  const legend = element("ul", "legend");
  for (const [className, text] of [["wpm", "Words per minute (line)"], ["fillers", "Fillers (bars, right axis)"], ["sentiment", "Sentiment, −1 to +1 (lower line)"]]) {
    const item = element("li");
    const swatch = element("span", `swatch ${className}`);
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, text);
    legend.append(item);
  }
  const caption = element("figcaption");
  caption.append(legend);

  // The same numbers as a table, for whoever cannot see the chart.
  const details = element("details", "timeline-data");
  details.append(element("summary", null, "The timeline as a table"));
  const table = element("table", "data-table");
  const head = element("tr");
  for (const name of ["Minute from", "Words per minute", "Fillers", "Sentiment"]) {
    const th = element("th", null, name);
    th.scope = "col";
    head.append(th);
  }
  table.append(element("thead"), element("tbody"));
  table.tHead.append(head);
  for (const b of buckets) {
    const row = element("tr");
    row.append(element("td", null, clock(b.minute_start_secs)), element("td", "number", String(Math.round(b.words_per_minute))),
      element("td", "number", String(b.fillers)), element("td", "number", (Number(b.sentiment) || 0).toFixed(2)));
    table.tBodies[0].append(row);
  }
  details.append(table);
  figure.append(chart, caption, details);
}

// ---------------------------------------------------------------- speakers

/** The role of a label, from the speakers known (null when unknown). */
function speakerRole(label) {
  return state.speakers?.speakers?.find((s) => s.label === label)?.role ?? null;
}

/** How a label shows in the transcript: its role ("Interviewer S1" when two share it), else the label. */
function speakerName(label) {
  const all = state.speakers?.speakers ?? [];
  const role = speakerRole(label);
  if (!role) return label;
  const name = ROLE_NAMES[role] ?? role;
  return all.filter((s) => s.role === role).length > 1 ? `${name} ${label}` : name;
}

/** "S1 (Interviewer)". */
const labelWithRole = (label) => {
  const role = speakerRole(label);
  return role ? `${label} (${ROLE_NAMES[role] ?? role})` : label;
};

function renderSpeakers() {
  const card = $("speakers-card");
  const data = state.speakers;
  card.hidden = !data?.speakers?.length;
  if (card.hidden) return;
  const confidence = Math.round(clamp01(data.confidence) * 100);
  const source = $("speakers-source");
  source.dataset.source = data.source;
  setText(source, `${SOURCE_TEXT[data.source] ?? data.source} · ${confidence} % sure`);
  $("speakers-doubt").hidden = data.source === "user" || data.speakers.length < 2 || clamp01(data.confidence) >= DOUBTFUL_CONFIDENCE;
  setText($("speakers-note"), data.note ?? "");
  $("speakers-note").hidden = !data.note;

  const list = $("speakers-list");
  // Rebuilt only when the speakers changed: a re-render must not undo the visitor's choices.
  const signature = JSON.stringify(data.speakers);
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.replaceChildren(...data.speakers.map((speaker) => speakerItem(speaker, data.speakers)));
  }
  renderOverlaps(data);
  renderSpeakersForm();
}

/** One speaker: label, role and talk time, and the selects to correct its role or merge it into another. */
function speakerItem(speaker, all) {
  const percent = Math.round(clamp01(speaker.share) * 100);
  const li = element("li", "speaker");
  li.dataset.label = speaker.label;
  li.dataset.role = speaker.role;
  li.dataset.testid = "speaker";

  const head = element("p", "speaker-head");
  const tag = element("span", "speaker-tag", speaker.label);
  tag.dataset.role = speaker.role;
  const role = element("strong", "speaker-role-name", ROLE_NAMES[speaker.role] ?? speaker.role);
  role.dataset.testid = "speaker-role-name";
  const time = element("span", "speaker-time", talkTime(speaker.speaking_secs));
  time.dataset.testid = "speaker-time";
  time.title = `${round1(speaker.speaking_secs)} s of speech`;
  const share = element("span", "speaker-share", `${percent} %`);
  share.dataset.testid = "speaker-share";
  head.append(tag, " ", role, element("span", "muted", " · talked for "), time, element("span", "muted", " · "),
    share, element("span", "muted", " of the speech"));
  const bar = element("span", "share-bar");
  bar.setAttribute("aria-hidden", "true");
  bar.append(element("span", "share-fill"));
  bar.firstChild.style.width = `${percent}%`;
  bar.firstChild.dataset.role = speaker.role;

  const fields = element("div", "speaker-fields");
  const roleField = element("label", null, "Role");
  const select = element("select", "speaker-role");
  select.name = `role-${speaker.label}`;
  select.dataset.label = speaker.label;
  select.dataset.testid = "speaker-role";
  select.setAttribute("aria-label", `Role of ${speaker.label}`);
  for (const value of ROLES) {
    const option = element("option", null, ROLE_NAMES[value]);
    option.value = value;
    select.append(option);
  }
  select.value = speaker.role;
  roleField.append(select);
  fields.append(roleField);
  if (all.length > 1) {
    const mergeField = element("label", null, "Same person as");
    const merge = element("select", "speaker-merge");
    merge.name = `merge-${speaker.label}`;
    merge.dataset.label = speaker.label;
    merge.dataset.testid = "speaker-merge";
    merge.setAttribute("aria-label", `Merge ${speaker.label} into another speaker`);
    const keep = element("option", null, "No one else (keep separate)");
    keep.value = "";
    merge.append(keep);
    for (const other of all) {
      if (other.label === speaker.label) continue;
      const option = element("option", null, `Merge into ${other.label} (${ROLE_NAMES[other.role] ?? other.role})`);
      option.value = other.label;
      merge.append(option);
    }
    mergeField.append(merge);
    fields.append(mergeField);
  }
  li.append(head, bar, fields);
  return li;
}

function renderOverlaps(data) {
  const box = $("overlaps");
  box.hidden = data.speakers.length < 2;
  const overlaps = data.overlaps ?? [];
  const total = Number(data.overlap_secs) || overlaps.reduce((sum, o) => sum + (o.end - o.start), 0);
  setText($("overlap-total"), overlaps.length
    ? `Speakers talked over each other for ${round1(total)}\u00a0s in all, in ${overlaps.length === 1 ? "1 place" : `${overlaps.length} places`}`
      + `${overlaps.length > OVERLAPS_SHOWN ? ` (the first ${OVERLAPS_SHOWN} below)` : ""}.`
    : "Nobody talked over anyone else.");
  const list = $("overlap-list");
  list.replaceChildren(...overlaps.slice(0, OVERLAPS_SHOWN).map((overlap) => {
    const li = element("li", "overlap");
    li.dataset.start = String(overlap.start);
    li.append(jumpLink(overlap.start, `${clock(overlap.start)}–${clock(overlap.end)}`, `Jump to ${clock(overlap.start)} in the transcript`),
      ` ${(overlap.speakers ?? []).map(labelWithRole).join(" and ")} (${round1(overlap.end - overlap.start)} s)`);
    return li;
  }));
}

/** The selects as a PUT body: roles of the labels kept, merges resolved to their final label. */
function speakersChoice() {
  const items = [...$("speakers-list").querySelectorAll("li.speaker")];
  const into = new Map();
  for (const li of items) {
    const target = li.querySelector("select.speaker-merge")?.value;
    if (target) into.set(li.dataset.label, target);
  }
  const merge = [];
  for (const label of into.keys()) {
    // Follow chains (S3 → S2 → S1): the server merges into labels that still exist.
    const seen = new Set([label]);
    let target = into.get(label);
    while (into.has(target)) {
      if (seen.has(target)) return { error: `${label} and ${into.get(label)} are each merged into the other: keep one of them separate.` };
      seen.add(target);
      target = into.get(target);
    }
    merge.push([target, label]);
  }
  const roles = {};
  for (const li of items) {
    if (!into.has(li.dataset.label)) roles[li.dataset.label] = li.querySelector("select.speaker-role").value;
  }
  return { roles, merge };
}

/** Whether the selects say something other than the speakers as they are. */
function speakersDirty() {
  return (state.speakers?.speakers ?? []).some((speaker) => {
    const li = $("speakers-list").querySelector(`li.speaker[data-label="${CSS.escape(speaker.label)}"]`);
    return li && (li.querySelector("select.speaker-role").value !== speaker.role || Boolean(li.querySelector("select.speaker-merge")?.value));
  });
}

function speakersEdited() {
  if (state.speakerSave === "done") state.speakerSave = null;
  showError("speakers-error", null);
  renderSpeakersForm();
}

/** Enables the form once processing is over; says where a save is. */
function renderSpeakersForm() {
  const saving = state.speakerSave === "saving";
  const editable = state.status === "completed" && !saving && !state.gone && !state.requested;
  for (const li of $("speakers-list").querySelectorAll("li.speaker")) {
    const merged = Boolean(li.querySelector("select.speaker-merge")?.value);
    li.dataset.merged = String(merged);
    for (const select of li.querySelectorAll("select")) select.disabled = !editable || (merged && select.classList.contains("speaker-role"));
  }
  $("speakers-save").disabled = !editable;
  setText($("speakers-save"), saving ? "Saving…" : "Save speakers");
  const dirty = speakersDirty();
  $("speakers-reset").hidden = !dirty || !editable;
  let status = "";
  if (saving) status = "Saving…";
  else if (state.speakerSave === "running" || state.speakerSave === "reloading") status = "Saved. Re-analysing with these speakers…";
  else if (state.speakerSave === "done") status = "Saved and re-analysed: the analysis above counts the candidate's speech as you set it.";
  else if (state.status && state.status !== "completed" && state.status !== "failed") status = "The speakers can be changed once processing is done.";
  else if (dirty) status = "Not saved yet: saving re-analyses the recording.";
  setText($("speakers-status"), status);
}

/** A save's re-analysis: seen under way, then completed (its results are read next). */
function trackSpeakerSave(before, status) {
  if (state.speakerSave !== "saving" && state.speakerSave !== "running") return;
  if (PROCESSING.has(status)) state.speakerSaveStarted = true;
  else if (status === "completed" && before !== "completed" && state.speakerSaveStarted) state.speakerSave = "reloading";
  else if (status === "failed") state.speakerSave = null;
}

/** PUT …/speakers: the roles and merges chosen; the recording is then re-analysed. */
async function saveSpeakers(event) {
  event.preventDefault();
  if (!state.speakers || $("speakers-save").disabled) return;
  const choice = speakersChoice();
  if (choice.error) {
    showError("speakers-error", choice.error);
    return;
  }
  showError("speakers-error", null);
  showError("reanalyse-error", null);
  state.speakerSave = "saving";
  state.speakerSaveStarted = false;
  renderSpeakersForm();
  const pushes = state.pushes;
  try {
    const interview = await call("PUT", `${base}/speakers`, choice.merge.length ? { roles: choice.roles, merge: choice.merge } : { roles: choice.roles });
    // Accepted: the re-analysis is queued, so its progress shows as for "Re-analyse".
    if (state.speakerSave === "saving") state.speakerSave = "running";
    state.speakerSaveStarted = true;
    state.requested = true;
    state.watchUntil = Date.now() + REQUEST_WATCH_MS;
    applyInterview(interview, pushes === state.pushes);
    schedulePoll();
    loadSpeakers();
  } catch (error) {
    state.speakerSave = null;
    if (error.status === 401) return;
    showError("speakers-error", error.code === "job_in_progress"
      ? "The recording is being processed: save the speakers again once it is done."
      : `Could not save the speakers: ${describeError(error)}`);
  } finally {
    renderSpeakersForm();
  }
}

/** GET …/speakers: shows the speakers as saved (the transcript follows with the results). */
async function loadSpeakers() {
  try {
    const speakers = await call("GET", `${base}/speakers`);
    if (!speakers) return;
    state.speakers = speakers;
    renderSpeakers();
    if (state.transcript && !state.query) renderSegments(state.transcript.segments ?? [], "");
  } catch {
    // The results read at completion bring them too.
  }
}

// ---------------------------------------------------------------- transcript

function renderTranscriptMeta(transcript) {
  const parts = [];
  if (transcript.engine) parts.push(`Transcribed by ${transcript.engine}`);
  if (transcript.language) parts.push(`language: ${transcript.language}`);
  if (transcript.duration_secs) parts.push(formatDuration(transcript.duration_secs));
  setText($("transcript-meta"), parts.join(" · "));
  $("unsure-note").hidden = !(transcript.segments ?? []).some((s) => s.low_confidence);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The text with every occurrence of the term (or, failing the phrase, of its words) in <mark>. */
function highlighted(text, term) {
  const fragment = document.createDocumentFragment();
  const words = term.split(/\s+/).filter(Boolean);
  if (!words.length) {
    fragment.append(text);
    return fragment;
  }
  const pattern = new RegExp(`(${[term, ...words].map(escapeRegExp).join("|")})`, "gi");
  text.split(pattern).forEach((piece, i) => {
    if (!piece) return;
    fragment.append(i % 2 === 1 ? element("mark", null, piece) : piece);
  });
  return fragment;
}

function renderSegments(segments, term) {
  const list = $("transcript");
  list.replaceChildren();
  segments.forEach((segment, index) => {
    const li = element("li", "segment");
    li.dataset.start = String(segment.start);
    li.tabIndex = -1;
    if (!term) li.id = `segment-${index}`;
    const stamp = element("time", "stamp", clock(segment.start));
    stamp.dateTime = `PT${Math.floor(segment.start)}S`;
    const text = element("span", "segment-text");
    text.append(highlighted(segment.text.trim(), term));
    li.append(stamp);
    if (segment.speaker) {
      const role = speakerRole(segment.speaker);
      li.dataset.speaker = segment.speaker;
      if (role) li.dataset.role = role;
      const tag = element("span", "speaker-tag", speakerName(segment.speaker));
      tag.dataset.role = role ?? "unknown";
      tag.title = `Speaker ${segment.speaker}`;
      li.append(tag);
    }
    li.append(text);
    if (segment.low_confidence) {
      li.dataset.lowConfidence = "true";
      const unsure = element("span", "unsure", "unsure");
      unsure.title = "The speech engine was not sure it heard this part right"
        + ` (average log-probability ${(Number(segment.avg_logprob) || 0).toFixed(2)}): some words may be wrong.`;
      li.append(" ", unsure);
    }
    list.append(li);
  });
}

/** Shows only the segments the server finds for the term (all of them for an empty one). */
async function search(raw) {
  const term = raw.trim();
  const ticket = ++searchTicket;
  clearTimeout(searchTimer);
  state.query = term;
  $("search-clear").hidden = !term;
  if (!term) {
    setText($("search-status"), "");
    renderSegments(state.transcript?.segments ?? [], "");
    return;
  }
  $("transcript").setAttribute("aria-busy", "true");
  try {
    const found = await call("GET", `${base}/transcript?format=json&q=${encodeURIComponent(term)}`);
    if (ticket !== searchTicket) return;
    const segments = found?.segments ?? [];
    renderSegments(segments, term);
    showError("transcript-error", null);
    setText($("search-status"), segments.length
      ? segments.length === 1 ? `1 part of the transcript mentions “${term}”.` : `${segments.length} parts of the transcript mention “${term}”.`
      : `Nothing in the transcript mentions “${term}”.`);
  } catch (error) {
    if (ticket !== searchTicket || error.status === 401) return;
    showError("transcript-error", `Could not search the transcript: ${describeError(error)}`);
  } finally {
    if (ticket === searchTicket) $("transcript").setAttribute("aria-busy", "false");
  }
}

function clearSearch() {
  $("search-input").value = "";
  search("");
}

/** Scrolls the transcript to the segment said at `seconds` and focuses it. */
function jumpTo(seconds) {
  if (state.query) clearSearch();
  const segments = [...$("transcript").children];
  if (!segments.length) return;
  const target = segments.filter((li) => Number(li.dataset.start) <= seconds + 0.05).pop() ?? segments[0];
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  target.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
  target.focus({ preventScroll: true });
  for (const li of segments) li.classList.remove("flash");
  target.classList.add("flash");
  setTimeout(() => target.classList.remove("flash"), 2000);
}

function downloadName(format) {
  const filename = state.interview?.recording?.filename ?? "";
  const stem = filename.replace(/\.[^.]+$/, "") || "transcript";
  return `${stem}.${format}`;
}

/** Fetches the transcript in a format with the token, and saves it through an object URL. */
async function download(format, button) {
  button.disabled = true;
  showError("transcript-error", null);
  try {
    let response;
    try {
      response = await fetch(`${base}/transcript?format=${encodeURIComponent(format)}`, {
        headers: { Authorization: `Bearer ${session.token}` },
      });
    } catch {
      throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
    }
    if (response.status === 401) {
      session.token = null;
      goHome();
      return;
    }
    if (!response.ok) {
      const error = (await response.json().catch(() => null))?.error ?? {};
      throw new ApiError(response.status, error.code ?? "unknown", error.message ?? `Request failed (${response.status})`, error.details);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = element("a");
    link.href = url;
    link.download = downloadName(format);
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    showError("transcript-error", `Could not download the transcript: ${describeError(error)}`);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- compare with practice

function practiceTitle(p) {
  return p.company ? `${p.job_title} at ${p.company}` : p.job_title || "Practice session";
}

/** The user's practice sessions, newest first (a few pages at most). */
async function loadPractices() {
  const items = [];
  let cursor = null;
  try {
    for (let page = 0; page < PRACTICE_PAGES; page += 1) {
      const query = new URLSearchParams({ limit: "100" });
      if (cursor) query.set("cursor", cursor);
      const found = await call("GET", `/api/v1/practice?${query}`);
      items.push(...(found?.items ?? []));
      cursor = found?.next_cursor ?? null;
      if (!cursor) break;
    }
  } catch (error) {
    if (error.status !== 401) showError("compare-error", `Could not load your practice sessions: ${describeError(error)}`);
    if (!items.length) return;
  }
  state.practices = items;
  renderCompare();
}

/** The select's options: the sessions, the linked one chosen (or the visitor's choice kept). */
function fillPracticeSelect(select, practices, linkedId, linked) {
  const chosen = select.value;
  const options = [element("option", null, "Choose a practice session…")];
  options[0].value = "";
  for (const p of practices) {
    const facts = [PRACTICE_STATUS_NAMES[p.status] ?? p.status, `${p.answered_count ?? 0}/${p.question_count ?? 0} answered`];
    const option = element("option", null, `${practiceTitle(p)} (${facts.join(", ")})`);
    option.value = p.id;
    options.push(option);
  }
  if (linkedId && !linked) {
    const option = element("option", null, "The linked practice session");
    option.value = linkedId;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = linkedId ?? (practices.some((p) => p.id === chosen) ? chosen : "");
}

function renderCompare() {
  const section = $("compare");
  if (state.gone || !state.interview) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const linkedId = state.interview.practice_id ?? null;
  const practices = state.practices ?? [];
  const linked = linkedId ? practices.find((p) => p.id === linkedId) : null;

  const select = $("practice-select");
  // Rebuilt only when what it lists changed (a poll must not close an open select).
  const signature = JSON.stringify([linkedId, practices.map((p) => [p.id, p.status, p.answered_count, p.question_count, practiceTitle(p)])]);
  if (select.dataset.signature !== signature) {
    select.dataset.signature = signature;
    fillPracticeSelect(select, practices, linkedId, linked);
  }
  select.disabled = state.practices === null;

  const none = state.practices !== null && practices.length === 0 && !linkedId;
  $("practice-none").hidden = !none;
  $("practice-link-form").hidden = none;
  $("practice-unlink").hidden = !linkedId;

  const note = $("practice-linked");
  note.hidden = !linkedId;
  note.replaceChildren();
  if (linkedId) {
    const link = element("a", null, linked ? practiceTitle(linked) : "the practice session");
    link.href = `/practice/${encodeURIComponent(linkedId)}`;
    note.append("Compared with ", link, ".");
  }
}

function showComparisonNote(message) {
  setText($("comparison-note"), message ?? "");
  $("comparison-note").hidden = !message;
}

/** GET …/comparison when a session is linked; 409s explain themselves in a note. */
async function loadComparison() {
  const ticket = ++compareTicket;
  showError("compare-error", null);
  if (!state.interview?.practice_id) {
    $("comparison").hidden = true;
    showComparisonNote(null);
    return;
  }
  if (state.status !== "completed" || !state.analysis) {
    $("comparison").hidden = true;
    // Completed, its results on their way: loadResults asks again once they are in.
    showComparisonNote(state.status === "completed" ? null : "The comparison appears here once the recording is analysed.");
    return;
  }
  $("comparison").setAttribute("aria-busy", "true");
  try {
    const comparison = await call("GET", `${base}/comparison`);
    if (ticket !== compareTicket) return;
    renderComparison(comparison);
    showComparisonNote(null);
  } catch (error) {
    if (ticket !== compareTicket || error.status === 401) return;
    $("comparison").hidden = true;
    if (error.code === "not_linked") showComparisonNote("This recording is not linked to a practice session any more (it was unlinked elsewhere).");
    else if (error.code === "analysis_not_ready") showComparisonNote("The comparison appears here once the recording is analysed.");
    else if (error.status === 404) showComparisonNote("The linked practice session no longer exists.");
    else showError("compare-error", `Could not compare with the practice session: ${describeError(error)}`);
  } finally {
    if (ticket === compareTicket) $("comparison").setAttribute("aria-busy", "false");
  }
}

async function linkPractice(event) {
  event.preventDefault();
  const practiceId = $("practice-select").value;
  if (!practiceId) {
    showError("compare-error", "Choose a practice session first.");
    $("practice-select").focus();
    return;
  }
  await changeLink("PUT", { practice_id: practiceId }, $("practice-link"));
}

async function changeLink(method, body, control) {
  control.disabled = true;
  showError("compare-error", null);
  try {
    const interview = await call(method, `${base}/practice`, body);
    if (method === "DELETE") $("practice-select").value = "";
    applyInterview(interview, false);
  } catch (error) {
    if (error.status === 401) return;
    const what = method === "PUT" ? "link the practice session" : "unlink the practice session";
    showError("compare-error", error.status === 404 && method === "PUT"
      ? "That practice session no longer exists."
      : `Could not ${what}: ${describeError(error)}`);
  } finally {
    control.disabled = false;
  }
}

const formatSigned = (n, digits = 0) => {
  const value = Number(n) || 0;
  const text = Math.abs(value).toFixed(digits);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
};
const formatMeasure = (n) => String(Math.round((Number(n) || 0) * 10) / 10);
const formatSimilarity = (similarity) => `${Math.round(clamp01(similarity) * 100)} %`;

function renderComparison(c) {
  const box = $("comparison");
  box.replaceChildren();
  box.hidden = false;

  const head = element("div", "improvement");
  const score = element("p", "improvement-score");
  score.dataset.testid = "improvement-score";
  score.dataset.score = String(c.improvement_score);
  score.dataset.trend = c.improvement_score > 0 ? "better" : c.improvement_score < 0 ? "worse" : "same";
  score.append(element("span", "visually-hidden", "Improvement score: "), element("span", "improvement-number", formatSigned(c.improvement_score)));
  const explain = element("p", "muted improvement-explain",
    "Improvement over your practice, from −100 (much worse than in practice) to +100 (much better).");
  const text = element("div");
  text.append(explain, element("p", "muted counts",
    `${c.questions_matched} practised ${c.questions_matched === 1 ? "question was" : "questions were"} asked, `
    + `${c.questions_unexpected} unexpected, ${c.questions_not_asked} practised but not asked. `
    + `Questions matched by ${c.matcher === "lexical" ? "shared words" : c.matcher} from ${formatSimilarity(c.threshold)} alike.`));
  head.append(score, text);
  box.append(head);

  if (c.matches?.length) {
    box.append(element("h3", null, "Practised and asked"));
    const list = element("ol", "matches");
    for (const m of c.matches) list.append(matchItem(m));
    box.append(list);
  }
  if (c.unexpected?.length) {
    box.append(element("h3", null, "Unexpected questions"));
    const list = element("ul", "unexpected");
    list.dataset.testid = "comparison-unexpected";
    for (const u of c.unexpected) {
      const li = element("li");
      const asked = element("p", "asked");
      asked.append(element("span", "muted", `${clock(u.asked_at_secs)} `), element("span", null, u.asked_question));
      const close = u.closest_practice_question && Math.round(clamp01(u.similarity) * 100) > 0;
      li.append(asked, element("p", "muted closest", close
        ? `Closest practised question (${formatSimilarity(u.similarity)} alike): “${u.closest_practice_question}”`
        : "Nothing you practised was close."));
      list.append(li);
    }
    box.append(list);
  }
  if (c.not_asked?.length) {
    box.append(element("h3", null, "Practised but not asked"));
    const list = element("ul", "not-asked");
    list.dataset.testid = "comparison-not-asked";
    list.append(...c.not_asked.map((n) => element("li", null, n.practice_question)));
    box.append(list);
  }
  if (!c.matches?.length && !c.unexpected?.length && !c.not_asked?.length) {
    box.append(element("p", "muted", "There is nothing to compare: neither the practice session nor the recording has questions."));
  }
}

function matchItem(m) {
  const li = element("li", "match");
  li.dataset.testid = "comparison-match";
  li.dataset.practiceQuestionId = m.practice_question_id;
  const practised = element("p", "match-question");
  practised.append(element("span", "muted", "Practised: "), element("strong", null, m.practice_question));
  const asked = element("p", "match-asked");
  asked.append(element("span", "muted", `Asked at ${clock(m.asked_at_secs)}: `), element("span", null, m.asked_question),
    element("span", "tag similarity", `${formatSimilarity(m.similarity)} alike`));
  li.append(practised, asked);

  const sides = element("div", "sides");
  const side = (title, answer, empty, testid) => {
    const box = element("div", "side");
    const quote = element("blockquote", answer ? null : "muted", answer || empty);
    quote.dataset.testid = testid;
    box.append(element("h4", null, title), quote);
    return box;
  };
  sides.append(
    side("In practice", m.prep_answer, "You did not answer it in practice.", "prep-answer"),
    side("In the interview", m.actual_answer, "No answer was given.", "actual-answer"),
  );
  li.append(sides);

  if (m.deltas?.length) {
    const scroll = element("div", "table-scroll");
    const table = element("table", "data-table deltas");
    table.append(element("caption", "visually-hidden", "How each measure changed from practice to the interview"));
    const head = element("tr");
    for (const name of ["Measure", "Practice", "Interview", "Change"]) {
      const th = element("th", null, name);
      th.scope = "col";
      head.append(th);
    }
    table.append(element("thead"), element("tbody"));
    table.tHead.append(head);
    for (const d of m.deltas) {
      const row = element("tr");
      row.dataset.metric = d.metric;
      const same = !Number(d.delta);
      row.dataset.trend = same ? "same" : d.better ? "better" : "worse";
      const change = element("td", "number change");
      change.append(formatSigned(d.delta, Number.isInteger(Number(d.delta)) ? 0 : 1), " ",
        element("span", "trend", same ? "same" : d.better ? "better" : "worse"));
      const th = element("th", null, METRIC_NAMES[d.metric] ?? d.metric);
      th.scope = "row";
      row.append(th, element("td", "number", formatMeasure(d.prep)), element("td", "number", formatMeasure(d.actual)), change);
      table.tBodies[0].append(row);
    }
    scroll.append(table);
    li.append(scroll);
  }
  return li;
}

// ---------------------------------------------------------------- toasts

function showToast(notification) {
  if (!notification) return;
  const toasts = $("toasts");
  const toast = element("div", "toast");
  if (notification.id) toast.dataset.id = notification.id;
  if (notification.kind) toast.dataset.kind = notification.kind;
  toast.append(element("strong", "toast-title", notification.title ?? "Notification"));
  if (notification.body) toast.append(element("p", "toast-body", notification.body));
  if (notification.interview_id && notification.interview_id !== interviewId) {
    const open = element("a", "toast-open", "Open");
    open.href = `/interviews/${encodeURIComponent(notification.interview_id)}`;
    toast.append(open);
  }
  const close = element("button", "toast-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", `Dismiss “${notification.title ?? "notification"}”`);
  close.addEventListener("click", () => toast.remove());
  toast.append(close);
  toasts.append(toast);
  while (toasts.children.length > TOAST_MAX) toasts.firstChild.remove();
  // Gone after a while, but not while the pointer or focus is on it.
  const expire = () => {
    if (toast.matches(":hover, :focus-within")) setTimeout(expire, 2000);
    else toast.remove();
  };
  setTimeout(expire, TOAST_MS);
}

// ---------------------------------------------------------------- socket

function onFrame(frame) {
  switch (frame.type) {
    case "interview.status": {
      if (frame.interview_id !== interviewId) return undefined;
      state.pushes += 1;
      const changed = frame.status !== state.status;
      applyStatus({ status: frame.status, stage: frame.stage, progress: frame.progress, eta_secs: frame.eta_secs, failure: frame.error });
      // The stage moved: the duration (or failure reason) may be known now.
      if (changed) refresh();
      return undefined;
    }
    // Replay done: whatever happened while away is in; make sure with a read.
    case "hello.ok": return refresh();
    case "notification": return showToast(frame.notification);
    case "error": return showBanner(`The server could not handle a request: ${frame.error?.message ?? "unknown error"}`);
    default: return undefined;
  }
}

// ---------------------------------------------------------------- wiring

$("reanalyse").addEventListener("click", requestAnalysis);
$("try-again").addEventListener("click", requestAnalysis);

$("transcript-search").addEventListener("submit", (event) => {
  event.preventDefault();
  search($("search-input").value);
});
$("search-input").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => search($("search-input").value), SEARCH_DEBOUNCE_MS);
});
$("search-clear").addEventListener("click", () => {
  clearSearch();
  $("search-input").focus();
});

for (const button of document.querySelectorAll(".downloads button[data-format]")) {
  button.setAttribute("aria-label", `Download the transcript as ${button.dataset.format.toUpperCase()}`);
  button.addEventListener("click", () => download(button.dataset.format, button));
}

$("practice-link-form").addEventListener("submit", linkPractice);
$("practice-unlink").addEventListener("click", () => changeLink("DELETE", undefined, $("practice-unlink")));

/** A click on a "jump to" link scrolls the transcript to its moment. */
function onJump(event) {
  const jump = event.target.closest("a.jump[data-at]");
  if (!jump) return;
  event.preventDefault();
  jumpTo(Number(jump.dataset.at));
}
for (const id of ["recommendations", "answers", "overlap-list"]) $(id).addEventListener("click", onJump);

$("speakers-form").addEventListener("submit", saveSpeakers);
$("speakers-form").addEventListener("change", speakersEdited);
$("speakers-reset").addEventListener("click", () => {
  delete $("speakers-list").dataset.signature;
  showError("speakers-error", null);
  renderSpeakers();
});

async function start() {
  if (!session.token) return goHome();
  if (!interviewId) {
    showBanner("This address names no recording.");
    return undefined;
  }
  try {
    applyInterview(await call("GET", base), true);
  } catch (error) {
    if (error.status === 404) recordingGone();
    else if (error.status !== 401) showBanner(`Could not load the recording: ${describeError(error)} Reload to try again.`);
    return undefined;
  } finally {
    document.querySelector("main").setAttribute("aria-busy", "false");
  }
  live = connect({ onFrame, onState });
  loadPractices();
  return undefined;
}

start();
