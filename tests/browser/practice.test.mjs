// The practice page (/practice, /practice/{id}), driven by a real headless
// Chromium against a real Debrief server with no model configured: questions
// come from the question bank and the job description, and coaching is
// Debrief's own rule-based feedback (still streamed as practice.feedback.delta
// frames, then practice.feedback.done). Each story uses a fresh account.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh)
//   DEBRIEF_BIN, CHROMIUM_PATH    see support.mjs

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HANG_GUARD_MS, registerInPage, uniqueEmail, useServer, waitForText, waitUntilOnline } from "./support.mjs";

const JOB_DESCRIPTION = "We are hiring a backend engineer to build and run our payment APIs in Rust on Kubernetes, "
  + "improve their latency and reliability, and mentor two junior engineers.";

/** A STAR answer with a number and a filler in it, different per question. */
const answerFor = (n) => [
  `Um, in my last role at Initech our checkout API kept timing out during sales (story ${n}).`,
  "I was responsible for fixing it before the next sale.",
  "I profiled the service, added a cache in front of the slowest query and split it in two.",
  `As a result p99 latency fell by ${40 + n} percent and we had no outage that quarter.`,
].join(" ");

/** The questions the page shows, in order, with their answer boxes. */
function shownQuestions(page) {
  return page.$$eval("[data-testid=questions] > [data-testid=question]", (lis) => lis.map((li) => ({
    id: li.dataset.id,
    order: Number(li.dataset.order),
    text: li.querySelector("[data-testid=question-text]").textContent,
    answer: li.querySelector("[data-testid=answer]").value,
    readOnly: li.querySelector("[data-testid=answer]").readOnly,
    saved: li.dataset.saved === "true",
  })));
}

/** Waits until `check(value)` holds for what `read()` returns; fails with what it read last. */
async function waitFor(what, read, check) {
  const deadline = Date.now() + HANG_GUARD_MS;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return assert.fail(`waiting for ${what}; last saw ${JSON.stringify(last)}`);
}

/** The session's id in /practice/{id}. */
const sessionIdOf = (page) => decodeURIComponent(new URL(page.url()).pathname.split("/")[2] ?? "");

/** The list's entries. */
function shownSessions(page) {
  return page.$$eval("[data-testid=sessions] > [data-testid=session]", (lis) => lis.map((li) => ({
    id: li.dataset.id,
    title: li.querySelector("[data-testid=session-link]").textContent,
    href: li.querySelector("[data-testid=session-link]").getAttribute("href"),
    status: li.querySelector("[data-testid=session-status]").dataset.status,
    facts: li.querySelector("[data-testid=session-facts]").textContent,
    rating: li.querySelector("[data-testid=session-rating]")?.dataset.rating ?? null,
  })));
}

/** No horizontal scrolling at a phone's width. */
async function assertFitsPhone(page, where) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(widths.scroll <= widths.client, `${where} scrolls sideways on a phone: ${JSON.stringify(widths)}`);
  if (size) await page.setViewportSize(size);
}

describe("the practice page", () => {
  const h = useServer();

  test("a practice session end to end: create, generate questions, coaching streamed live, save, resume after a reload, complete, listed as completed", async () => {
    // Sign up on the sign-in page and go to Practice from the home view.
    const context = await h.newContext();
    const page = await h.openPage(context, "/");
    await registerInPage(page, { name: "Ada", email: uniqueEmail("ada") });
    await page.click("#practice-link");
    await page.waitForURL(`${h.baseUrl}/practice`);
    const token = await page.evaluate(() => localStorage.getItem("debrief.token"));
    await page.locator("[data-testid=sessions][aria-busy=false]").waitFor({ state: "attached" });
    assert.ok(await page.isVisible("[data-testid=sessions-empty]"), "an empty history says so");
    assert.equal(await page.getAttribute(".bar-nav a[href='/practice']", "aria-current"), "page");

    // Create a session: the job title is required.
    await page.click("[data-testid=create-submit]");
    await waitForText(page, "[data-testid=create-error]", /job title/i);
    assert.equal(await page.getAttribute("[data-testid=create-job-title]", "aria-invalid"), "true");
    await page.fill("[data-testid=create-job-title]", "Backend Engineer");
    await page.fill("[data-testid=create-company]", "Acme");
    await page.selectOption("[data-testid=create-type]", "behavioral");
    await page.fill("[data-testid=create-job-description]", JOB_DESCRIPTION);
    await page.click("[data-testid=create-submit]");
    await page.waitForURL(/\/practice\/[^/]+$/);
    const id = sessionIdOf(page);
    const base = `/api/v1/practice/${encodeURIComponent(id)}`;

    // The session view: a draft with no questions yet.
    await waitForText(page, "[data-testid=session-title]", "Backend Engineer at Acme");
    await page.locator("[data-testid=session-status][data-status=draft]").waitFor();
    assert.match(await page.textContent("[data-testid=session-meta]"), /Behavioral/);
    await waitUntilOnline(page);

    // Generate questions: at least three, in the server's order.
    await page.click("[data-testid=generate]");
    const questions = await waitFor("three or more questions", () => shownQuestions(page), (qs) => qs.length >= 3);
    const stored = await h.rest("GET", base, { token });
    const expected = [...stored.questions].sort((a, b) => a.order - b.order);
    assert.deepEqual(questions.map((q) => [q.id, q.text]), expected.map((q) => [q.id, q.text]), "the questions, in order");
    assert.deepEqual(questions.map((q) => q.order), questions.map((_, i) => i + 1));

    // Answer question 1 and get feedback: the coach's text streams in, then the structured feedback.
    const first = page.locator("[data-testid=question]").nth(0);
    await first.locator("[data-testid=answer]").fill(answerFor(1));
    await first.locator("[data-testid=feedback-stream]").evaluate((stream) => {
      // What the feedback area showed after each change: the streamed text, and whether the result was up.
      window.coachingSeen = [];
      const area = stream.closest("[data-testid=feedback]");
      const result = area.querySelector("[data-testid=feedback-result]");
      new MutationObserver(() => {
        window.coachingSeen.push({ text: stream.textContent, result: !result.hidden && !area.hidden });
      }).observe(area, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    assert.equal(await first.locator("[data-testid=feedback-stream]").getAttribute("aria-live"), "polite");
    await first.locator("[data-testid=coach]").click();
    await first.locator("[data-testid=feedback][data-state=done]").waitFor();

    const done = page.frames.find((f) => f?.type === "practice.feedback.done" && f.practice_id === id && f.question_id === questions[0].id);
    assert.ok(done, "practice.feedback.done was pushed");
    const deltas = page.frames
      .filter((f) => f?.type === "practice.feedback.delta" && f.stream_id === done.stream_id)
      .sort((a, b) => a.seq - b.seq);
    assert.ok(deltas.length >= 1, "the feedback was streamed in pieces");
    assert.equal(deltas[0].question_id, questions[0].id);
    const streamed = deltas.map((d) => d.text).join("");
    assert.ok(streamed.trim(), "the pieces have text");
    assert.equal(await first.locator("[data-testid=feedback-stream]").textContent(), streamed, "the page shows the streamed text");
    const seen = await page.evaluate(() => window.coachingSeen);
    const textAt = seen.findIndex((s) => s.text.trim());
    const resultAt = seen.findIndex((s) => s.result);
    assert.ok(textAt >= 0 && resultAt >= 0 && textAt <= resultAt, `streamed text first, then the feedback: ${JSON.stringify(seen.slice(0, 5))}`);

    const rating = Number(await first.locator("[data-testid=feedback-rating]").getAttribute("data-rating"));
    assert.equal(rating, done.feedback.rating, "the rating shown is the pushed one");
    assert.ok(rating >= 1 && rating <= 5, `a rating of 1–5: ${rating}`);
    assert.match(await first.locator("[data-testid=feedback-rating]").textContent(), new RegExp(`${rating} / 5`));
    const metrics = first.locator("[data-testid=feedback-metrics]");
    assert.equal(await metrics.locator("[data-metric=word_count] dd").textContent(), String(done.metrics.word_count));
    assert.match(await metrics.locator("[data-metric=fillers] dd").textContent(), new RegExp(`^${done.metrics.fillers}\\b`));
    assert.equal(await metrics.locator("[data-metric=star] [data-part]").count(), 4, "S, T, A and R are each marked");
    for (const part of ["situation", "task", "action", "result"]) {
      assert.equal(await metrics.locator(`[data-part=${part}]`).getAttribute("data-present"), String(done.metrics.star[part]));
    }
    if (done.feedback.strengths.length) {
      assert.deepEqual(await first.locator("[data-testid=feedback-strengths] li").allTextContents(), done.feedback.strengths);
    }
    if (done.feedback.improvements.length) {
      assert.deepEqual(await first.locator("[data-testid=feedback-improvements] li").allTextContents(), done.feedback.improvements);
    }
    // Coaching stored the answer: the session has started, and its questions can no longer be generated.
    await page.locator("[data-testid=session-status][data-status=in_progress]").waitFor();
    assert.ok(await page.isHidden("[data-testid=generate]"));

    // Answer the others and save them in one batch.
    const answers = [answerFor(1)];
    const puts = [];
    page.on("request", (request) => {
      if (request.method() === "PUT" && new URL(request.url()).pathname === `${base}/answers`) puts.push(JSON.parse(request.postData()));
    });
    for (let i = 1; i < questions.length; i += 1) {
      answers.push(answerFor(i + 1));
      await page.locator("[data-testid=question]").nth(i).locator("[data-testid=answer]").fill(answers[i]);
    }
    await waitForText(page, "[data-testid=save-status]", new RegExp(`^${questions.length - 1} answers? not saved yet`));
    await page.click("[data-testid=save-answers]");
    await waitForText(page, "[data-testid=save-status]", `Saved ${questions.length - 1} answer${questions.length === 2 ? "" : "s"}.`);
    assert.equal(puts.length, 1, "one PUT for the whole batch");
    assert.deepEqual(puts[0].answers.map((a) => a.question_id), questions.slice(1).map((q) => q.id), "only the changed answers are sent");
    const saved = await h.rest("GET", base, { token });
    assert.equal(saved.status, "in_progress");
    assert.equal(saved.answered_count, questions.length);
    for (const [i, q] of questions.entries()) {
      assert.equal(saved.answers.find((a) => a.question_id === q.id)?.text, answers[i], `answer ${i + 1} is stored`);
    }

    // Reload: the saved answers and the status are back, and so is question 1's feedback.
    await page.reload();
    const resumed = await waitFor("the questions after a reload", () => shownQuestions(page), (qs) => qs.length === questions.length);
    assert.deepEqual(resumed.map((q) => q.answer), answers, "every answer is shown again");
    assert.ok(resumed.every((q) => q.saved), "and shown as saved");
    await page.locator("[data-testid=session-status][data-status=in_progress]").waitFor();
    await waitForText(page, "[data-testid=session-progress]", `${questions.length} of ${questions.length} questions answered.`);
    assert.equal(Number(await first.locator("[data-testid=feedback-rating]").getAttribute("data-rating")), rating, "the stored feedback is shown");

    // Complete: the session's feedback.
    await page.click("[data-testid=complete]");
    await page.locator("[data-testid=session-feedback]").waitFor();
    await page.locator("[data-testid=session-status][data-status=completed]").waitFor();
    const completed = await h.rest("GET", base, { token });
    assert.equal(completed.status, "completed");
    const sessionRating = Number(await page.getAttribute("[data-testid=session-rating]", "data-rating"));
    assert.ok(sessionRating >= 1 && sessionRating <= 5, `a session rating of 1–5: ${sessionRating}`);
    assert.equal(sessionRating, completed.feedback.rating);
    assert.equal(await page.getAttribute("[data-testid=completed-at] time", "datetime"), completed.completed_at);
    assert.ok((await shownQuestions(page)).every((q) => q.readOnly), "answers can no longer change");
    assert.ok(await page.isHidden("[data-testid=save-answers]"));
    assert.ok(await page.isHidden("[data-testid=complete]"));
    assert.ok(await page.isVisible("[data-testid=regenerate-feedback]"));
    assert.ok(await page.isVisible("[data-testid=edit-feedback]"));
    await assertFitsPhone(page, "the completed session");

    // Back to the list: the session is there, completed, with its rating.
    await page.click("[data-testid=back-to-list]");
    await page.waitForURL(`${h.baseUrl}/practice`);
    const listed = await waitFor("the session in the list", () => shownSessions(page), (ss) => ss.length === 1);
    assert.deepEqual(
      { ...listed[0], facts: undefined },
      { id, title: "Backend Engineer at Acme", href: `/practice/${id}`, status: "completed", facts: undefined, rating: String(sessionRating) },
    );
    assert.match(listed[0].facts, new RegExp(`${questions.length} of ${questions.length} questions answered`));
    await assertFitsPhone(page, "the list");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("completing with questions unanswered names them; the others stay saved", async () => {
    const { token, page } = await h.signedInPage("grace", "/practice");
    await page.locator("[data-testid=sessions][aria-busy=false]").waitFor({ state: "attached" });
    const created = await h.rest("POST", "/api/v1/practice", { token, body: { job_title: "Site Reliability Engineer", interview_type: "behavioral" } });
    const base = `/api/v1/practice/${encodeURIComponent(created.id)}`;
    const generated = await h.rest("POST", `${base}/questions/generate`, { token, body: {} });
    assert.ok(generated.questions.length >= 2, "enough questions to leave one out");

    await page.goto(`${h.baseUrl}/practice/${encodeURIComponent(created.id)}`);
    const questions = await waitFor("the questions", () => shownQuestions(page), (qs) => qs.length === generated.questions.length);
    await page.locator("[data-testid=question]").nth(0).locator("[data-testid=answer]").fill(answerFor(1));
    // Complete saves what was typed first, then finds the rest unanswered.
    await page.click("[data-testid=complete]");
    await page.locator("[data-testid=unanswered-list]").waitFor();
    const named = await page.$$eval("[data-testid=unanswered-list] li", (lis) => lis.map((li) => li.dataset.id));
    assert.deepEqual(named, questions.slice(1).map((q) => q.id), "every unanswered question is named");
    const marked = await page.$$eval("[data-testid=question]", (lis) => lis.map((li) => li.dataset.unanswered));
    assert.deepEqual(marked, questions.map((_, i) => String(i > 0)), "and marked in the list");
    await page.locator("[data-testid=session-status][data-status=in_progress]").waitFor();
    const stored = await h.rest("GET", base, { token });
    assert.equal(stored.status, "in_progress");
    assert.equal(stored.answers.find((a) => a.question_id === questions[0].id)?.text, answerFor(1));

    // Or complete it as it is: the feedback names what was left unanswered.
    const anyway = page.getByRole("button", { name: "Complete anyway" });
    assert.equal(await anyway.getAttribute("data-testid"), "complete-anyway");
    const hint = await anyway.evaluate((b) => document.getElementById(b.getAttribute("aria-describedby"))?.textContent ?? "");
    assert.match(hint, /unanswered/, "the button says what completing anyway does");
    await anyway.click();
    await page.locator("[data-testid=session-status][data-status=completed]").waitFor();
    await page.locator("[data-testid=session-feedback]").waitFor();
    const improvements = await page.locator("[data-testid=session-feedback-body] [data-testid=feedback-improvements] li").allTextContents();
    assert.match(improvements[0] ?? "", /left unanswered/, "the first improvement names the unanswered questions");
    assert.equal(await page.locator("[data-testid=session-error]").isHidden(), true, "the unanswered list is gone");
    assert.equal(await page.locator("[data-testid=complete]").isHidden(), true);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "session-feedback-title", "focus moves to the feedback");
    const completed = await h.rest("GET", base, { token });
    assert.equal(completed.status, "completed");
    assert.deepEqual(improvements, completed.feedback.improvements);
    assert.deepEqual(page.scriptErrors, []);
  });

  test("questions are edited, reordered, added and removed, and the answers stay with theirs", async () => {
    const { token, page } = await h.signedInPage("katherine", "/practice");
    await page.locator("[data-testid=sessions][aria-busy=false]").waitFor({ state: "attached" });
    const created = await h.rest("POST", "/api/v1/practice", { token, body: { job_title: "Data Engineer", company: "Globex", interview_type: "technical" } });
    const base = `/api/v1/practice/${encodeURIComponent(created.id)}`;
    const generated = await h.rest("POST", `${base}/questions/generate`, { token, body: {} });
    assert.ok(generated.questions.length >= 3, "enough questions to move one, reword one and remove another");
    const [q1, q2] = [...generated.questions].sort((a, b) => a.order - b.order);
    await h.rest("PUT", `${base}/answers`, { token, body: { answers: [{ question_id: q2.id, text: answerFor(2) }] } });

    await page.goto(`${h.baseUrl}/practice/${encodeURIComponent(created.id)}`);
    await waitFor("the questions", () => shownQuestions(page), (qs) => qs.length === generated.questions.length);
    await page.click("[data-testid=edit-questions]");
    const rows = page.locator("[data-testid=edit-row]");
    // Question 2 up to first place, question 1 reworded, a question of our own at the end, the last generated one removed.
    await rows.nth(1).locator("[data-testid=move-up]").click();
    await rows.nth(1).locator("[data-testid=edit-question-text]").fill("Tell me about a data pipeline you are proud of.");
    await page.click("[data-testid=add-question]");
    await rows.last().locator("[data-testid=edit-question-text]").fill("How do you test a streaming job?");
    const count = await rows.count();
    await rows.nth(count - 2).locator("[data-testid=remove-question]").click();
    await page.click("[data-testid=save-questions]");
    await page.locator("[data-testid=question-editor]").waitFor({ state: "hidden" });

    const stored = await h.rest("GET", base, { token });
    const order = [...stored.questions].sort((a, b) => a.order - b.order);
    const removed = [...generated.questions].sort((a, b) => a.order - b.order).at(-1);
    assert.equal(order.length, generated.questions.length, "one added, one removed");
    assert.equal(order[0].id, q2.id, "question 2 moved up");
    assert.equal(order[1].id, q1.id);
    assert.equal(order[1].text, "Tell me about a data pipeline you are proud of.");
    assert.equal(order.at(-1).text, "How do you test a streaming job?");
    assert.ok(!order.some((q) => q.id === removed.id), "the last generated question is gone");
    assert.equal(stored.answers.find((a) => a.question_id === q2.id)?.text, answerFor(2), "the answer moved with its question");
    const shown = await shownQuestions(page);
    assert.deepEqual(shown.map((q) => q.text), order.map((q) => q.text), "the page shows the new list");
    assert.equal(shown[0].answer, answerFor(2));
    assert.deepEqual(page.scriptErrors, []);
  });
});
