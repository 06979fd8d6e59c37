// A recording's page (/interviews/{id}), driven by a real headless Chromium
// against a real Debrief server whose speech-to-text is a fake of OpenAI's
// transcription API started here (node:http on a free port). The recording is
// a real WAV made here (a quiet tone, or a stereo call with one side per
// channel); what it "says" is the fake's answer.
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
  HANG_GUARD_MS, uploadInPage, uploadOverTus, useServer, waitForRecordingsLoaded, waitForText, wavSeconds, wavFile,
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

/**
 * A 16-bit PCM stereo WAV at 16 kHz, `seconds` long: a tone on the left
 * channel during the `left` spans and on the right during the `right` spans
 * (`[start, end]` seconds), true silence elsewhere. A call recorder's file:
 * one side of the conversation per channel.
 */
function stereoWav(seconds, { left, right }, hz = 220, amplitude = 6000) {
  const rate = 16_000;
  const frames = Math.round(seconds * rate);
  const file = wavFile(frames, 2);
  const during = (spans, t) => spans.some(([start, end]) => t >= start && t < end);
  for (let i = 0; i < frames; i += 1) {
    const t = i / rate;
    const sample = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude);
    file.writeInt16LE(during(left, t) ? sample : 0, 44 + 4 * i);
    file.writeInt16LE(during(right, t) ? sample : 0, 46 + 4 * i);
  }
  return file;
}

/** `m:ss`, as the speakers panel shows a talk time. */
const talkTime = (seconds) => {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** What the speakers panel shows: the source, and per speaker its label, role, select and talk time. */
function shownSpeakers(page) {
  return page.evaluate(() => ({
    source: document.querySelector("#speakers-source")?.dataset.source ?? null,
    speakers: [...document.querySelectorAll("#speakers-list li.speaker")].map((li) => ({
      label: li.dataset.label,
      role: li.querySelector("[data-testid=speaker-role-name]").textContent,
      selected: li.querySelector("[data-testid=speaker-role]").value,
      time: li.querySelector("[data-testid=speaker-time]").textContent,
      share: li.querySelector("[data-testid=speaker-share]").textContent,
    })),
  }));
}

/** The speaker shown at the start of the transcript line that says `text`. */
function speakerOfLine(page, text) {
  return page.locator("#transcript li.segment", { hasText: text }).first().locator(".speaker-tag").textContent();
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

  test("a recording with two speakers on separate channels lists them with talk time, a corrected role re-analyses it, and the per-question view shows each answer's measures", async () => {
    // Arrange: a call recording, the interviewer on the left channel (0–3 s, 10–12 s), the candidate on the right (3–10 s).
    const { token } = await h.newAccount("barbara");
    const bytes = stereoWav(12, { left: [[0, 3], [10, 12]], right: [[3, 10]] });
    const id = await uploadOverTus(h.baseUrl, token, {
      name: "call-recording.wav", bytes, metadata: { company: "Initech", job_title: "Team lead", interview_type: "behavioral" },
    });
    const context = await h.newContext(token);
    const page = await h.openPage(context, `/interviews/${id}`);
    await watchUntilCompleted(page);
    await page.locator("#speakers-list li.speaker").nth(1).waitFor();

    // Assert: two speakers told apart by channel, with their talk time; S1 asks, so S1 is the interviewer.
    const stored = await h.rest("GET", `/api/v1/interviews/${id}/speakers`, { token });
    assert.equal(stored.source, "channels", `the channels tell the speakers apart: ${JSON.stringify(stored)}`);
    const shown = await shownSpeakers(page);
    assert.equal(shown.source, "channels");
    assert.deepEqual(shown.speakers.map((s) => [s.label, s.role, s.selected]), [["S1", "Interviewer", "interviewer"], ["S2", "Candidate", "candidate"]]);
    assert.deepEqual(shown.speakers.map((s) => s.time), stored.speakers.map((s) => talkTime(s.speaking_secs)), "talk time in m:ss");
    assert.deepEqual(shown.speakers.map((s) => s.share), stored.speakers.map((s) => `${Math.round(s.share * 100)} %`));
    assert.ok(stored.speakers[1].speaking_secs > stored.speakers[0].speaking_secs, "the candidate talked longer");
    assert.match(await page.textContent("#speakers-source"), /channels.*\d+ % sure/);

    // The transcript says who speaks on each line.
    assert.equal(await speakerOfLine(page, "Tell me about a time you led a project?"), "Interviewer");
    assert.equal(await speakerOfLine(page, "database migration"), "Candidate");
    assert.equal(await speakerOfLine(page, "What would you do differently next time?"), "Interviewer");

    // The per-question view: the answer to the first question, its measures and STAR parts, and the way to it in the transcript.
    const analysis = await h.rest("GET", `/api/v1/interviews/${id}/analysis`, { token });
    const answer = analysis.structure.answers.find((a) => a.question_index === 0);
    assert.ok(answer, `the first question has an answer: ${JSON.stringify(analysis.structure)}`);
    assert.equal(answer.filler_count, 2, "um and uh");
    const shownAnswer = page.locator("#answers li.answer[data-question='0']");
    const measure = (field) => shownAnswer.locator(`[data-field=${field}] dd`).textContent();
    assert.equal(await measure("fillers"), "2");
    assert.equal(await measure("words"), String(answer.word_count));
    assert.equal(await measure("duration"), `${answer.duration_secs.toFixed(1)} s`);
    assert.equal(await measure("pace"), answer.words_per_minute ? `${Math.round(answer.words_per_minute)} wpm` : "too short to tell");
    const star = await shownAnswer.locator(".star-part").evaluateAll((parts) => parts.map((p) => [p.dataset.part, p.dataset.present]));
    assert.deepEqual(star, ["situation", "task", "action", "result"].map((part) => [part, String(Boolean(answer.star[part]))]), "S/T/A/R marks");
    assert.ok(star.some(([, present]) => present === "true"), "the story has STAR parts");
    // Each part found is quoted from the answer, and the fit to the question is shown with its reasons.
    const quotes = await shownAnswer.locator(".star-quotes q").allTextContents();
    const firstQuotes = ["situation", "task", "action", "result"].map((part) => answer.star.cues.find((c) => c.part === part && c.quote)?.quote).filter(Boolean);
    assert.ok(firstQuotes.length > 0, "the parts found are quoted");
    assert.deepEqual(quotes, firstQuotes);
    assert.match(await shownAnswer.locator("[data-testid=answer-fit]").textContent(), new RegExp(`^Answers the question: ${answer.fit.score} / 5`));
    await shownAnswer.locator("[data-testid=answer-jump]").click();
    await page.waitForFunction(() => document.activeElement?.matches("#transcript li.segment.flash"));
    assert.match(await page.evaluate(() => document.activeElement.textContent), /database migration/, "the jump lands on the answer");

    // A correction that leaves no candidate is refused, and says why.
    await page.selectOption("#speakers-list li[data-label=S2] [data-testid=speaker-role]", "interviewer");
    await page.click("[data-testid=speakers-save]");
    await waitForText(page, "[data-testid=speakers-error]", /candidate/i);
    assert.equal(await page.getAttribute("[data-testid=speakers-error]", "role"), "alert");
    assert.equal((await h.rest("GET", `/api/v1/interviews/${id}/speakers`, { token })).source, "channels", "nothing changed");

    // Act: on a phone, swap the roles and save.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.selectOption("#speakers-list li[data-label=S1] [data-testid=speaker-role]", "candidate");
    await page.selectOption("#speakers-list li[data-label=S2] [data-testid=speaker-role]", "interviewer");
    assert.ok(await page.isHidden("[data-testid=speakers-error]"), "a new choice clears the old error");
    await page.click("[data-testid=speakers-save]");

    // Assert: re-analysed, with the roles as set.
    await waitForText(page, "[data-testid=speakers-status]", /re-analys/i);
    await waitForText(page, "[data-testid=speakers-status]", /Saved and re-analysed/);
    await waitForText(page, "#status-badge", "completed");
    const corrected = await shownSpeakers(page);
    assert.equal(corrected.source, "user");
    assert.deepEqual(corrected.speakers.map((s) => [s.label, s.role, s.selected]), [["S1", "Candidate", "candidate"], ["S2", "Interviewer", "interviewer"]]);
    assert.equal(await speakerOfLine(page, "Tell me about a time you led a project?"), "Candidate");
    const saved = await h.rest("GET", `/api/v1/interviews/${id}/speakers`, { token });
    assert.equal(saved.source, "user");
    assert.deepEqual(saved.speakers.map((s) => s.role), ["candidate", "interviewer"]);

    // At 390 px the score table fits, and the "analysis ready" notice does not cover it.
    await page.locator("#toasts .toast").first().waitFor();
    const apart = (a, b) => a.bottom <= b.top || b.bottom <= a.top || a.right <= b.left || b.right <= a.left;
    // With the table at the bottom of the screen, then at its top (where a fixed notice would sit).
    for (const block of ["end", "start"]) {
      const layout = await page.evaluate((where) => {
        const box = (node) => { const r = node.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
        const table = document.querySelector("#score-breakdown");
        table.scrollIntoView({ block: where, behavior: "instant" });
        const scroller = table.closest(".table-scroll");
        return {
          width: document.documentElement.clientWidth,
          pageWidth: document.documentElement.scrollWidth,
          table: box(table),
          cells: [...table.querySelectorAll("th, td")].filter((c) => c.getClientRects().length).map(box),
          scrolls: scroller.scrollWidth > scroller.clientWidth,
          toasts: [...document.querySelectorAll("#toasts .toast")].map(box),
        };
      }, block);
      assert.equal(layout.width, 390);
      assert.ok(layout.table.right <= layout.width, `the score table ends within the screen: ${JSON.stringify(layout.table)}`);
      assert.ok(layout.cells.every((c) => c.right <= layout.width && c.left >= 0), "no cell of the score table is cut");
      assert.ok(!layout.scrolls, "the score table does not scroll sideways");
      assert.ok(layout.pageWidth <= layout.width, `the page does not scroll sideways (${layout.pageWidth} px)`);
      assert.ok(layout.toasts.length >= 1, "the analysis-ready notice is shown");
      for (const toast of layout.toasts) {
        assert.ok(apart(toast, layout.table), `the notice ${JSON.stringify(toast)} covers the score table ${JSON.stringify(layout.table)}`);
      }
    }
    assert.deepEqual(page.scriptErrors, []);
  });
});
