// A recording's page (/interviews/{id}), driven by a real headless Chromium
// against a real Debrief server whose speech-to-text is a fake of OpenAI's
// transcription API started here (node:http on a free port). The recording is
// a real WAV made here (a quiet tone); what it "says" is the fake's answer.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh)
//   DEBRIEF_BIN, CHROMIUM_PATH    see support.mjs

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  HANG_GUARD_MS, uploadInPage, uploadOverTus, useServer, waitForRecordingsLoaded, waitForText, wavSeconds,
} from "./support.mjs";

/** How long the fake takes to answer, so the page can be seen transcribing. */
const TRANSCRIPTION_DELAY_MS = 1500;

/** What the fake heard: [start, end, text] per segment of a short behavioural interview. */
const SPOKEN = [
  [0.0, 3.0, " Tell me about a time you led a project?"],
  [3.0, 10.0, " Um, last year at my previous company I was responsible for a database migration, uh, so I led a team of four and as a result we reduced costs by 30 percent."],
  [10.0, 12.0, " What would you do differently next time?"],
];

/**
 * Whisper's `verbose_json`: segments, and words spread evenly over each
 * segment. Words keep their punctuation (as the server's own fake sends them):
 * the analysis finds sentence and question ends from it.
 */
function verboseJson() {
  const words = [];
  const segments = SPOKEN.map(([start, end, text], id) => {
    const pieces = text.trim().split(/\s+/);
    const step = (end - start) / pieces.length;
    pieces.forEach((piece, i) => {
      words.push({ word: piece, start: +(start + i * step).toFixed(2), end: +(start + (i + 0.8) * step).toFixed(2) });
    });
    return {
      id, seek: 0, start, end, text, tokens: [], temperature: 0.0,
      avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01,
    };
  });
  return {
    task: "transcribe", language: "english", duration: 12.0,
    text: SPOKEN.map(([, , text]) => text).join("").trim(), segments, words,
  };
}

/** A fake of `POST /v1/audio/transcriptions` that counts what it was asked. */
async function startFakeTranscription() {
  const requests = [];
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url, "http://fake");
    if (request.method !== "POST" || pathname !== "/v1/audio/transcriptions") {
      response.writeHead(404, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ error: { message: `no ${request.method} ${pathname} here` } }));
      return;
    }
    requests.push({ contentType: request.headers["content-type"] ?? "" });
    request.resume(); // the multipart body (the audio) is not looked at
    request.on("end", () => setTimeout(() => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify(verboseJson()));
    }, TRANSCRIPTION_DELAY_MS));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    requests,
    url: `http://127.0.0.1:${server.address().port}/v1`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** What the page shows of the processing: the badge and the highlighted stage. */
function shownStatus(page) {
  return page.evaluate(() => ({
    badge: document.querySelector("#status-badge")?.textContent ?? "",
    stage: document.querySelector("#stages li[aria-current=step]")?.dataset.status ?? null,
  }));
}

/**
 * Watches the status until the page shows `completed`; returns every distinct
 * status shown on the way. Fails if it shows `failed` or never completes.
 */
async function watchUntilCompleted(page) {
  const deadline = Date.now() + 2 * HANG_GUARD_MS;
  const seen = [];
  while (Date.now() < deadline) {
    const shown = await shownStatus(page);
    if (shown.badge && seen[seen.length - 1]?.badge !== shown.badge) seen.push(shown);
    assert.notEqual(shown.badge, "failed", `processing failed: ${await page.locator("#failure-reason").textContent()}`);
    if (shown.badge === "completed") return seen;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return assert.fail(`the recording never showed as completed; it showed ${JSON.stringify(seen)}`);
}

describe("recording page", () => {
  let fake;
  const h = useServer(async () => {
    fake = await startFakeTranscription();
    return { DEBRIEF_TRANSCRIPTION__BASE_URL: fake.url, DEBRIEF_TRANSCRIPTION__MODEL: "whisper-1" };
  });
  const dir = mkdtempSync(join(tmpdir(), "debrief-recording-"));
  const recording = join(dir, "team-lead-interview.wav");
  writeFileSync(recording, wavSeconds(12));

  after(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a recording uploaded on the uploads page goes through its statuses live and opens on its analysis page with transcript, metrics and recommendations", async () => {
    // Arrange: a signed-in user on the recordings page.
    const { token, page } = await h.signedInPage("grace", "/uploads");
    await waitForRecordingsLoaded(page);

    // Act: upload the recording with its context, then open it from the list.
    await uploadInPage(page, recording, { company: "Initech", job_title: "Team lead", interview_type: "behavioral" });
    await waitForText(page, "#transfers li.transfer .transfer-status", "Uploaded.");
    const listed = page.locator("#recordings li.recording", { hasText: "Team lead at Initech" });
    const id = await listed.getAttribute("data-id");
    const link = listed.locator(".recording-title");
    assert.equal(await link.getAttribute("href"), `/interviews/${id}`, "the listed recording links to its page");
    await link.click();
    await page.waitForURL(`${h.baseUrl}/interviews/${id}`);

    // Assert: the status moves live through the stages to completed.
    await waitForText(page, "#recording-title", "Team lead at Initech");
    const seen = await watchUntilCompleted(page);
    const order = ["uploading", "uploaded", "transcribing", "analyzing", "completed"];
    const badges = seen.map((s) => s.badge);
    assert.ok(badges.every((b) => order.includes(b)), `only known statuses: ${badges}`);
    assert.deepEqual(badges, [...badges].sort((a, b) => order.indexOf(a) - order.indexOf(b)), "statuses only move forward");
    assert.ok(badges.includes("transcribing") || badges.includes("analyzing") || badges[0] === "completed",
      `the page showed processing (or was opened after it): ${badges}`);
    for (const shown of seen.filter((s) => s.badge !== "uploading")) {
      assert.equal(shown.stage, shown.badge, "the stage list highlights the status the badge shows");
    }
    assert.ok(fake.requests.length >= 1, "the server asked the transcription API");

    // The transcript, with timestamps.
    const question = page.locator("#transcript li.segment", { hasText: "Tell me about a time you led a project?" });
    await question.waitFor();
    assert.equal(await question.locator(".stamp").textContent(), "00:00");
    assert.ok(await page.locator("#transcript li.segment").count() >= 2, "every segment is shown");

    // Search shows only the matching parts, the term highlighted.
    await page.fill("#search-input", "migration");
    await page.press("#search-input", "Enter");
    await page.locator("#transcript li.segment mark").first().waitFor();
    const found = await page.$$eval("#transcript li.segment", (lis) => lis.map((li) => ({
      text: li.querySelector(".segment-text").textContent,
      marks: [...li.querySelectorAll("mark")].map((m) => m.textContent.toLowerCase()),
    })));
    assert.ok(found.length >= 1);
    for (const segment of found) {
      assert.match(segment.text, /migration/i, "only matching segments are shown");
      assert.ok(segment.marks.includes("migration"), `the term is highlighted in ${JSON.stringify(segment)}`);
    }
    await waitForText(page, "#search-status", /mentions? “migration”/);

    // Speech metrics, score, recommendations, timeline.
    const fillers = await page.$$eval("#filler-table tbody tr th", (ths) => ths.map((th) => th.textContent));
    assert.ok(fillers.includes("um"), `the filler table lists um: ${fillers}`);
    const score = Number(await page.locator("#score-overall").textContent());
    assert.ok(Number.isInteger(score) && score >= 0 && score <= 100, `the score is 0–100: ${score}`);
    const analysis = await h.rest("GET", `/api/v1/interviews/${id}/analysis`, { token });
    assert.equal(score, analysis.score.overall, "the score shown is the analysis's");
    assert.ok(await page.locator("#recommendations li").count() >= 1, "at least one recommendation");
    const chart = page.locator("#timeline svg[role=img]");
    await chart.waitFor();
    assert.match(await chart.getAttribute("aria-label"), /^Timeline of /);
    assert.deepEqual(page.scriptErrors, []);
  });
  test("a recording linked to a practice session shows how the interview went against it, and can be unlinked", async () => {
    // Arrange: a practice session that rehearsed one of the questions the recording asks, and the analysed recording.
    const { token } = await h.newAccount("hedy");
    const created = await h.rest("POST", "/api/v1/practice", { token, body: { job_title: "Team lead", company: "Initech", interview_type: "behavioral" } });
    const practiceBase = `/api/v1/practice/${encodeURIComponent(created.id)}`;
    const edited = await h.rest("PUT", `${practiceBase}/questions`, {
      token, body: { questions: [{ text: "Tell me about a time you led a project." }, { text: "Why do you want to work here?" }] },
    });
    const prepAnswer = "At my last company I was responsible for a database migration. I led a team of four, planned the cut-over, "
      + "and as a result we reduced costs by 30 percent.";
    await h.rest("PUT", `${practiceBase}/answers`, { token, body: { answers: [{ question_id: edited.questions[0].id, text: prepAnswer }] } });
    const id = await uploadOverTus(h.baseUrl, token, {
      name: "team-lead-interview.wav", bytes: wavSeconds(12), metadata: { company: "Initech", job_title: "Team lead", interview_type: "behavioral" },
    });
    const context = await h.newContext(token);
    const page = await h.openPage(context, `/interviews/${id}`);
    await watchUntilCompleted(page);
    await page.locator("#answers li.answer").first().waitFor();

    // Not linked yet: a select of the practice sessions, and no comparison.
    const select = page.locator("[data-testid=practice-select]:not([disabled])");
    await select.locator(`option[value="${created.id}"]`).waitFor({ state: "attached" });
    assert.ok(await page.isHidden("[data-testid=comparison]"));
    assert.ok(await page.isHidden("[data-testid=practice-unlink]"));

    // Act: link it.
    await select.selectOption(created.id);
    await page.click("[data-testid=practice-link]");

    // Assert: the comparison the server makes, side by side.
    await page.locator("[data-testid=comparison-match]").first().waitFor();
    const comparison = await h.rest("GET", `/api/v1/interviews/${id}/comparison`, { token });
    assert.equal((await h.rest("GET", `/api/v1/interviews/${id}`, { token })).practice_id, created.id, "linked on the server");
    assert.match(await page.textContent("[data-testid=practice-linked]"), /Team lead at Initech/);
    const score = page.locator("[data-testid=improvement-score]");
    assert.equal(Number(await score.getAttribute("data-score")), comparison.improvement_score);
    assert.ok(comparison.improvement_score >= -100 && comparison.improvement_score <= 100);
    const matches = page.locator("[data-testid=comparison-match]");
    assert.equal(await matches.count(), comparison.matches.length);
    assert.ok(comparison.matches.length >= 1, "the rehearsed question was asked");
    const [match] = comparison.matches;
    const shown = matches.first();
    assert.equal(await shown.getAttribute("data-practice-question-id"), match.practice_question_id);
    assert.equal(await shown.locator("[data-testid=prep-answer]").textContent(), match.prep_answer);
    assert.equal(await shown.locator("[data-testid=actual-answer]").textContent(), match.actual_answer);
    const deltas = await shown.locator("tr[data-metric]").evaluateAll((rows) => rows.map((row) => [row.dataset.metric, row.dataset.trend]));
    assert.deepEqual(deltas, match.deltas.map((d) => [d.metric, d.delta === 0 ? "same" : d.better ? "better" : "worse"]), "each measure marked better or worse");
    assert.equal(await page.locator("[data-testid=comparison-unexpected] li").count(), comparison.unexpected.length);
    assert.deepEqual(await page.locator("[data-testid=comparison-not-asked] li").allTextContents(), comparison.not_asked.map((n) => n.practice_question));
    assert.ok(await page.isHidden("[data-testid=compare-error]"));

    // Still linked after a reload; then unlinked.
    await page.reload();
    await page.locator("[data-testid=comparison-match]").first().waitFor();
    await page.click("[data-testid=practice-unlink]");
    await page.locator("[data-testid=comparison]").waitFor({ state: "hidden" });
    assert.equal((await h.rest("GET", `/api/v1/interviews/${id}`, { token })).practice_id, null, "unlinked on the server");
    assert.equal(await page.inputValue("[data-testid=practice-select]"), "");
    assert.deepEqual(page.scriptErrors, []);
  });
});
