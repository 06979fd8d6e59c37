// Answering a practice question out loud (/practice/{id}), driven by a real
// headless Chromium whose microphone is a file: Chromium's fake capture device
// loops a spoken answer made with espeak-ng (tests/audio/make_dialogue.py,
// tests/audio/spoken_answer.json), and a real Debrief server transcribes it
// with the local Whisper tiny.en. The answer streams over a socket as it is
// recorded, its words show up live, then the transcript lands in the answer
// box with its delivery, and the coaching streams as for a typed answer.
// A refused microphone gets a clear message and leaves the text box usable.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh
//                                  and espeak-ng, sox and ffmpeg for the audio)
//   DEBRIEF_TEST_MODELS           the models directory holding whisper-tiny.en
//                                 (default: target/tmp/models)
//   DEBRIEF_BIN, CHROMIUM_PATH    see support.mjs

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HANG_GUARD_MS, useServer, waitForText, waitUntilOnline } from "./support.mjs";

const repo = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const MODELS = process.env.DEBRIEF_TEST_MODELS ?? repo("target/tmp/models");
const audioDir = mkdtempSync(join(tmpdir(), "debrief-spoken-"));
const ANSWER_WAV = join(audioDir, "answer.wav");

const JOB_DESCRIPTION = "We are hiring a platform engineer to lead the migration of our payment services to Kubernetes, "
  + "run the message queue they depend on, and write runbooks for the support team.";

/** Seconds the fake microphone is recorded for (the file loops; it is about 15 s long). */
const RECORD_SECS = 12;
/** Transcribing the whole answer (Whisper tiny.en on two cores) and coaching it take a while: a hang guard, not a speed check. */
const TRANSCRIBE_GUARD_MS = 120_000;

/** Waits until `check(value)` holds for what `read()` returns; fails with what it read last. */
async function waitFor(what, read, check, timeout = HANG_GUARD_MS) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(`waiting for ${what}; last saw ${JSON.stringify(last)}`);
}

/** The length aimed at for a question's category, seconds (the server's `target_secs`). */
const targetOf = (category) => ({ behavioral: [60, 120], situational: [60, 120], technical: [60, 180], role_specific: [60, 180] })[category] ?? [30, 90];
const clock = (secs) => {
  const whole = Math.floor(secs);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
};

/** Seconds the recorder's timer shows ("0:42 / 1:00–2:00" → 42), or -1. */
const timerSecs = (text) => {
  const match = /^(\d+):(\d\d) \//.exec(text ?? "");
  return match ? Number(match[1]) * 60 + Number(match[2]) : -1;
};

describe("answering a practice question out loud", () => {
  const h = useServer(async () => {
    assert.ok(existsSync(join(MODELS, "whisper-tiny.en")), `no whisper-tiny.en in ${MODELS}: set DEBRIEF_TEST_MODELS`);
    execFileSync("python3", [repo("tests/audio/make_dialogue.py"), repo("tests/audio/spoken_answer.json"), join(audioDir, "answer"), "--formats", "wav"], { stdio: "ignore" });
    assert.ok(existsSync(ANSWER_WAV), "the spoken answer was made");
    return { DEBRIEF_MODELS__DIR: MODELS, DEBRIEF_MODELS__STT: "whisper-tiny.en" };
  }, {
    browserArgs: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${ANSWER_WAV}`],
  });
  after(() => rmSync(audioDir, { recursive: true, force: true }));

  /** A behavioural session with questions, open in a new signed-in page. */
  async function openSession(label, { initScript } = {}) {
    const { token } = await h.newAccount(label);
    const created = await h.rest("POST", "/api/v1/practice", {
      token, body: { job_title: "Platform Engineer", interview_type: "behavioral", job_description: JOB_DESCRIPTION },
    });
    const base = `/api/v1/practice/${encodeURIComponent(created.id)}`;
    const generated = await h.rest("POST", `${base}/questions/generate`, { token, body: {} });
    assert.ok(generated.questions.length >= 1, "questions to answer");
    const context = await h.newContext(token);
    if (initScript) await context.addInitScript(initScript);
    const page = await h.openPage(context, `/practice/${encodeURIComponent(created.id)}`);
    await page.locator("[data-testid=question]").first().waitFor();
    const first = [...generated.questions].sort((a, b) => a.order - b.order)[0];
    return { token, id: created.id, base, page, first, question: page.locator("[data-testid=question]").nth(0) };
  }

  test("an answer said out loud streams live, lands in the answer box with its delivery, and is coached", async () => {
    const { token, id, base, page, first, question } = await openSession("ada");
    await waitUntilOnline(page);
    // What the page sends on its sockets: the recording's frames.
    const sent = [];
    page.on("websocket", (socket) => socket.on("framesent", ({ payload }) => {
      sent.push(typeof payload === "string" ? { text: payload } : { bytes: payload.length });
    }));

    const record = question.locator("[data-testid=record]");
    assert.equal(await record.textContent(), "Answer out loud");
    assert.ok(await question.locator("[data-testid=live-transcript]").isHidden(), "nothing heard yet");
    await record.click();

    // Recording: the level meter, the timer against the length aimed at for the question, Stop and Redo.
    const spoken = question.locator("[data-testid=spoken]");
    await question.locator("[data-testid=spoken][data-state=recording]").waitFor();
    const meter = question.locator("[data-testid=level]");
    assert.equal(await meter.getAttribute("role"), "meter");
    assert.ok(await meter.getAttribute("aria-label"), "the meter is labelled");
    assert.ok(await question.locator("[data-testid=stop]").isVisible());
    assert.ok(await question.locator("[data-testid=redo]").isVisible());
    assert.ok(await record.isHidden(), "the microphone button gives way to Stop");
    const live = question.locator("[data-testid=live-transcript]");
    assert.equal(await live.getAttribute("aria-live"), "polite");
    const [shortest, longest] = targetOf(first.category);
    const aimedAt = `${clock(shortest)}–${clock(longest)}`;
    await waitForText(page, "[data-testid=question]:first-child [data-testid=spoken-timer]", new RegExp(`^\\d:\\d\\d / ${aimedAt}$`));

    // The words come in while it records.
    const heard = await waitFor("a partial transcript while recording", () => spoken.evaluate((panel) => ({
      state: panel.dataset.state,
      text: panel.querySelector("[data-testid=live-transcript]").textContent.trim(),
    })), (s) => s.text !== "" || s.state !== "recording", TRANSCRIBE_GUARD_MS);
    assert.equal(heard.state, "recording", `still recording when the first words showed: ${JSON.stringify(heard)}`);
    assert.ok(heard.text, "a partial transcript showed before Stop");
    const level = await waitFor("the meter to move", () => meter.getAttribute("aria-valuenow"), (v) => Number(v) > 0);
    assert.ok(Number(level) <= 100);

    await waitFor(`${RECORD_SECS} s on the timer`, () => question.locator("[data-testid=spoken-timer]").textContent(),
      (text) => timerSecs(text) >= RECORD_SECS, RECORD_SECS * 1000 + HANG_GUARD_MS);
    const partials = page.frames.filter((f) => f?.type === "practice.transcript.partial");
    assert.ok(partials.length >= 1, "practice.transcript.partial frames came");
    await question.locator("[data-testid=stop]").click();

    // The transcript becomes the answer, editable like a typed one.
    const answer = question.locator("[data-testid=answer]");
    const text = await waitFor("the transcript in the answer box", () => answer.inputValue(), (v) => /payment/i.test(v), TRANSCRIBE_GUARD_MS);
    assert.equal(await answer.isEditable(), true);
    const transcribed = page.frames.find((f) => f?.type === "practice.answer.transcribed" && f.session_id === id);
    assert.ok(transcribed, "practice.answer.transcribed was pushed");
    assert.equal(text, transcribed.text);
    assert.equal(transcribed.question_id, first.id);
    assert.ok(await live.isHidden(), "the live transcript made way for the answer");
    assert.match(await question.locator("[data-testid=spoken-status]").textContent(), /answer/i);

    // Its delivery.
    const metrics = question.locator("[data-testid=delivery-metrics]");
    await metrics.waitFor();
    const { delivery } = transcribed;
    assert.match(await metrics.locator("[data-metric=words_per_minute] dd").textContent(),
      new RegExp(`^${Math.round(delivery.words_per_minute)} words a minute`));
    assert.ok(delivery.words_per_minute > 0, `a pace: ${JSON.stringify(delivery)}`);
    assert.match(await metrics.locator("[data-metric=fillers] dd").textContent(), new RegExp(`^${delivery.fillers.total}\\b`));
    for (const [word, n] of Object.entries(delivery.fillers.by_word)) {
      assert.ok((await metrics.locator("[data-metric=fillers] dd").textContent()).includes(`“${word}” ×${n}`), `filler ${word} shown`);
    }
    assert.deepEqual(delivery.target_secs, [shortest, longest], `the length aimed at for a ${first.category} question`);
    // As long as the recording ran (a busy machine may stop it later than asked).
    assert.match(await metrics.locator("[data-metric=duration] dd").textContent(),
      new RegExp(`^${clock(delivery.duration_secs)} (shorter than|within|longer than) the ${aimedAt} aimed at$`));
    assert.match(await metrics.locator("[data-metric=pauses] dd").textContent(), /pause/i);
    assert.ok(delivery.job_terms.used.includes("migration"), `migration is a job term said: ${JSON.stringify(delivery.job_terms)}`);
    assert.match(await metrics.locator("[data-metric=job_terms_used] dd").textContent(), /migration/);
    assert.ok(await metrics.locator("[data-metric=job_terms_missed]").isVisible());

    // Then the coaching streams as it does for a typed answer.
    await question.locator("[data-testid=feedback][data-state=done]").waitFor({ timeout: TRANSCRIBE_GUARD_MS });
    const done = page.frames.find((f) => f?.type === "practice.feedback.done" && f.practice_id === id && f.question_id === first.id);
    assert.ok(done, "practice.feedback.done was pushed");
    assert.equal(Number(await question.locator("[data-testid=feedback-rating]").getAttribute("data-rating")), done.feedback.rating);

    // It streamed over the socket: start, binary pieces of at most 64 KiB, end.
    const texts = sent.filter((f) => f.text).map((f) => JSON.parse(f.text));
    const start = texts.find((f) => f.type === "practice.audio.start");
    assert.deepEqual(start, { type: "practice.audio.start", session_id: id, question_id: first.id, format: "webm" });
    const pieces = sent.filter((f) => f.bytes !== undefined);
    assert.ok(pieces.length > 1, `the recording went in pieces as it was made: ${pieces.length}`);
    assert.ok(pieces.every((f) => f.bytes > 0 && f.bytes <= 64 * 1024), "each binary frame is at most 64 KiB");
    assert.ok(texts.some((f) => f.type === "practice.audio.end"), "practice.audio.end was sent");

    // Stored, and shown again after a reload.
    const stored = await h.rest("GET", base, { token });
    const storedAnswer = stored.answers.find((a) => a.question_id === first.id);
    assert.equal(storedAnswer.text, text);
    assert.equal(storedAnswer.answer_id, transcribed.answer_id);
    assert.deepEqual(storedAnswer.delivery, delivery);
    await page.reload();
    const again = page.locator("[data-testid=question]").nth(0);
    await again.locator("[data-testid=delivery-metrics] [data-metric=job_terms_used]").waitFor();
    assert.equal(await again.locator("[data-testid=answer]").inputValue(), text);
    assert.match(await again.locator("[data-metric=job_terms_used] dd").textContent(), /migration/);
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a refused microphone says so beside the button, and the answer can still be typed", async () => {
    const { page, question } = await openSession("grace", {
      initScript: () => {
        const refuse = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
        Object.defineProperty(MediaDevices.prototype, "getUserMedia", { value: refuse, configurable: true });
      },
    });
    await question.locator("[data-testid=record]").click();
    const error = question.locator("[data-testid=spoken-error]");
    await waitForText(page, "[data-testid=question]:first-child [data-testid=spoken-error]", /microphone.*allow it/i);
    assert.equal(await error.getAttribute("role"), "alert");
    assert.ok(await question.locator("[data-testid=record]").isVisible(), "the button is back to try again");
    assert.ok(await question.locator("[data-testid=stop]").isHidden(), "nothing is recording");

    const answer = question.locator("[data-testid=answer]");
    assert.equal(await answer.isEditable(), true);
    await answer.fill("I led the migration of our payment service to a message queue.");
    assert.equal(await answer.inputValue(), "I led the migration of our payment service to a message queue.");
    await waitForText(page, "[data-testid=question]:first-child [data-testid=answer-state]", "Not saved yet.");
    assert.deepEqual(page.scriptErrors, []);
  });
});
