// The recordings page (/uploads), driven by a real headless Chromium against a
// real Debrief server (in-memory database, recordings in a temporary
// directory). The recordings are real WAV files made here (a RIFF/WAVE header
// and a sine tone). Each story uses a fresh browser context and a fresh account.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh)
//   DEBRIEF_BIN, CHROMIUM_PATH    see support.mjs

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  HANG_GUARD_MS, uploadInPage, uploadOverTus, useServer, waitForRecordingsLoaded,
  waitForText, waitUntilOnline, wav,
} from "./support.mjs";

const MIB = 1024 * 1024;
const CHUNK_KEY = "debrief.upload.chunk_bytes";

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Resolves with `promise`, or fails the story after the hang guard. */
function within(promise, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing happened in ${HANG_GUARD_MS} ms`)), HANG_GUARD_MS);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** The recordings the page lists, in order. */
function shownRecordings(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("#recordings li.recording")].map((li) => ({
      id: li.dataset.id,
      title: li.querySelector(".recording-title").textContent,
      href: li.querySelector(".recording-title").getAttribute("href"),
      status: li.querySelector(".badge").textContent,
      meta: li.querySelector(".recording-meta").textContent,
    })));
}

/** Waits until `check(recordings)` is true of the list; fails with what it showed last. */
async function waitForRecordings(page, what, check) {
  const deadline = Date.now() + HANG_GUARD_MS;
  let last = [];
  while (Date.now() < deadline) {
    last = await shownRecordings(page);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return assert.fail(`waiting for ${what}; the list showed ${JSON.stringify(last)}`);
}

/** Records the page's tus requests and responses (method, path, Upload-Offset, status). */
function recordTus(page) {
  const log = { requests: [], responses: [] };
  const isTus = (url) => new URL(url).pathname.startsWith("/files");
  page.on("request", (request) => {
    if (!isTus(request.url())) return;
    const headers = request.headers();
    log.requests.push({
      method: request.method(), path: new URL(request.url()).pathname,
      offset: headers["upload-offset"] ?? null, tus: headers["tus-resumable"] ?? null,
      authorized: (headers.authorization ?? "").startsWith("Bearer "),
    });
  });
  page.on("response", (response) => {
    if (!isTus(response.url())) return;
    log.responses.push({
      method: response.request().method(), path: new URL(response.url()).pathname, status: response.status(),
      offset: response.headers()["upload-offset"] ?? null,
    });
  });
  return log;
}

/** The page's remembered unfinished uploads. */
const resumeEntries = (page) => page.evaluate(() =>
  Object.keys(localStorage).filter((k) => k.startsWith("debrief.uploads.")).flatMap((k) => Object.values(JSON.parse(localStorage.getItem(k)))));

describe("the recordings page", () => {
  const h = useServer();
  let dir;
  const files = {};

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "debrief-recordings-"));
    const make = (name, bytes, hz) => {
      const path = join(dir, name);
      const content = wav(bytes, hz);
      writeFileSync(path, content);
      return { path, name, size: content.length, sha256: sha256(content) };
    };
    files.short = make("phone-screen.wav", 320_044, 440); // 10 s
    files.other = make("panel.wav", 160_044, 523);
    files.long = make("onsite.wav", 12 * MIB, 330);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a recording uploads with its context, the progress reaches 100 %, and it is listed as uploaded", async () => {
    const { token, page } = await h.signedInPage("ada", "/uploads");
    const tus = recordTus(page);
    await waitUntilOnline(page);
    await waitForRecordingsLoaded(page);
    assert.ok(await page.isVisible("#recordings-empty"), "an empty list says so");
    assert.ok(!(await page.isVisible("#transfers-section")), "no uploads yet");
    // The test server runs no speech or embedding model: the page says so rather than pretending.
    await page.locator("#transcribed-by").waitFor();
    assert.equal(
      await page.textContent("#transcribed-by"),
      "Transcription: no local speech model configured · Question matching: no local embedding model configured",
    );

    await uploadInPage(page, files.short.path, { company: "Acme Robotics", job_title: "Backend engineer", interview_type: "technical" });
    const card = page.locator("#transfers li.transfer");
    await card.locator('[role=progressbar][aria-valuenow="100"]').waitFor();
    await waitForText(page, "#transfers li.transfer .transfer-percent", "100 %");
    await waitForText(page, "#transfers li.transfer .transfer-status", "Uploaded.");
    assert.equal(await card.count(), 1);
    assert.equal(await card.locator(".transfer-name").textContent(), files.short.name);
    assert.equal(await page.inputValue("#upload-form [name=company]"), "", "the form is cleared for the next one");

    const shown = await waitForRecordings(page, "the recording, uploaded", (rs) => rs.length === 1 && rs[0].status !== "uploading");
    assert.equal(shown[0].title, "Backend engineer at Acme Robotics");
    assert.match(shown[0].meta, /Technical · phone-screen\.wav · 320 kB/);
    const stored = await h.rest("GET", "/api/v1/interviews", { token });
    assert.equal(stored.items.length, 1);
    const [interview] = stored.items;
    assert.equal(interview.id, shown[0].id);
    assert.equal(shown[0].href, `/interviews/${interview.id}`);
    assert.equal(await card.locator(".transfer-open").getAttribute("href"), `/interviews/${interview.id}`);
    assert.deepEqual(
      { finished: interview.status !== "uploading", company: interview.company, job_title: interview.job_title, interview_type: interview.interview_type },
      { finished: true, company: "Acme Robotics", job_title: "Backend engineer", interview_type: "technical" },
    );
    assert.equal(interview.recording.filename, files.short.name);
    assert.equal(interview.recording.size_bytes, files.short.size);
    assert.equal(interview.recording.sha256, files.short.sha256, "the server has exactly the file's bytes");

    // The protocol as the page spoke it.
    assert.deepEqual(tus.requests.map((r) => r.method), ["POST", "PATCH"], "one creation, one PATCH of the whole small file");
    assert.ok(tus.requests.every((r) => r.tus === "1.0.0" && r.authorized), "every tus request carries Tus-Resumable and the token");
    assert.equal(tus.requests[1].offset, "0");
    // Pushed live over the socket.
    const completed = page.frames.find((f) => f?.type === "upload.completed");
    assert.ok(completed, "upload.completed was pushed");
    assert.equal(completed.interview_id, interview.id);
    assert.equal(completed.duplicate, false);
    assert.ok(page.frames.some((f) => f?.type === "upload.progress" && f.interview_id === interview.id), "upload.progress was pushed");
    assert.deepEqual(await resumeEntries(page), [], "nothing left to resume");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a file that is not a recording is refused with the server's reason, and nothing is listed", async () => {
    const { token, page } = await h.signedInPage("barbara", "/uploads");
    const tus = recordTus(page);
    await waitForRecordingsLoaded(page);

    // Refused at creation by its name.
    await uploadInPage(page, { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("Questions they asked me.\n") }, { company: "Acme" });
    await waitForText(page, "#upload-error", /^"notes\.txt" is not a recording Debrief reads \(use mp4, mov, m4a, webm, wav\)$/);
    assert.equal(await page.locator("#transfers li").count(), 0, "no upload started");
    assert.deepEqual(tus.responses.map((r) => [r.method, r.status]), [["POST", 415]]);

    // Named .wav, but its bytes are a PDF: refused once the first bytes arrive.
    const pdf = Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n", "latin1");
    await uploadInPage(page, { name: "interview.wav", mimeType: "audio/wav", buffer: pdf });
    await waitForText(page, "#transfers li.transfer .transfer-error", /^The file's content is not WAV \(nor any recording format Debrief reads\)\.?$/);
    assert.ok(await page.isHidden("#upload-error"), "the earlier error is gone");
    assert.deepEqual(tus.responses.slice(1).map((r) => [r.method, r.status]), [["POST", 201], ["PATCH", 415]]);
    const card = page.locator("#transfers li.transfer");
    assert.equal(await card.getAttribute("data-status"), "failed");
    assert.ok(await card.locator("button[data-action=dismiss]").isVisible(), "it can be dismissed");
    assert.ok(await card.locator("button[data-action=cancel]").isHidden(), "nothing is left to cancel");

    await waitForRecordingsLoaded(page);
    assert.deepEqual(await shownRecordings(page), [], "nothing is listed");
    assert.ok(await page.isVisible("#recordings-empty"));
    const stored = await h.rest("GET", "/api/v1/interviews", { token });
    assert.deepEqual(stored.items, [], "nothing is stored");
    assert.deepEqual(await resumeEntries(page), [], "nothing is kept to resume");

    await card.locator("button[data-action=dismiss]").click();
    await page.locator("#transfers-section").waitFor({ state: "hidden" });
    assert.deepEqual(page.scriptErrors, []);
  });

  test("an upload cut off by a reload resumes from the server's offset when the same file is chosen again", async () => {
    const { token } = await h.newAccount("grace");
    const context = await h.newContext(token);
    await context.addInitScript(([key, bytes]) => {
      try { localStorage.setItem(key, String(bytes)); } catch { /* about:blank has no storage */ }
    }, [CHUNK_KEY, MIB]);
    const page = await context.newPage();
    page.scriptErrors = [];
    page.on("pageerror", (error) => page.scriptErrors.push(error.message));
    const tus = recordTus(page);
    // The first PATCH goes through; the second is held, so the reload comes mid-way.
    let patches = 0;
    let holding;
    const held = new Promise((resolve) => { holding = resolve; });
    await page.route("**/files/*", (route) => {
      if (route.request().method() === "PATCH" && ++patches > 1) return holding(); // never answered
      return route.continue();
    });
    await page.goto(`${h.baseUrl}/uploads`);
    await waitForRecordingsLoaded(page);

    await uploadInPage(page, files.long.path, { company: "Initech", interview_type: "panel" });
    await within(held, "the second PATCH");
    assert.deepEqual(tus.responses.map((r) => [r.method, r.status, r.offset]), [["POST", 201, null], ["PATCH", 204, String(MIB)]]);
    const partial = await h.rest("GET", "/api/v1/interviews", { token });
    assert.equal(partial.items.length, 1);
    assert.equal(partial.items[0].status, "uploading");
    assert.equal(partial.items[0].recording.uploaded_bytes, MIB, "the first chunk is stored");
    const remembered = await resumeEntries(page);
    assert.equal(remembered.length, 1, "the upload is remembered");
    assert.equal(remembered[0].name, files.long.name);
    assert.equal(remembered[0].size, files.long.size);
    assert.equal(remembered[0].interviewId, partial.items[0].id);

    await page.reload();
    await page.unrouteAll({ behavior: "ignoreErrors" });
    const mark = tus.requests.length;
    const marked = tus.responses.length;
    // The page knows what was left unfinished, and how far it got.
    await waitForText(page, '#transfers li.transfer[data-status="waiting"] .transfer-status',
      `Interrupted at 8 %. Choose “${files.long.name}” again above and press Upload to continue.`);
    await waitForRecordings(page, "the unfinished recording", (rs) => rs.length === 1 && rs[0].status === "uploading");

    await page.setInputFiles("#file-input", files.long.path);
    await waitForText(page, "#file-note", /partly uploaded before/);
    await page.click("#upload-submit");
    const card = page.locator("#transfers li.transfer");
    await card.locator('[role=progressbar][aria-valuenow="100"]').waitFor();
    await waitForText(page, "#transfers li.transfer .transfer-status", "Uploaded.");
    assert.equal(await card.count(), 1, "the same card, finished");
    const shown = await waitForRecordings(page, "the recording, uploaded", (rs) => rs.length === 1 && rs[0].status !== "uploading");
    assert.equal(shown[0].title, "Initech");

    const after = tus.requests.slice(mark);
    assert.ok(!after.some((r) => r.method === "POST"), "no new upload was created");
    assert.equal(after[0].method, "HEAD", "it asked the server how far the upload got");
    const heads = tus.responses.slice(marked).filter((r) => r.method === "HEAD");
    assert.ok(heads.length >= 1 && heads.every((r) => r.status === 200 && r.offset === String(MIB)), JSON.stringify(heads));
    const patchOffsets = after.filter((r) => r.method === "PATCH").map((r) => Number(r.offset));
    assert.equal(patchOffsets[0], MIB, "the first PATCH after the reload starts at the stored offset");
    assert.deepEqual(patchOffsets, Array.from({ length: 11 }, (_, i) => (i + 1) * MIB), "and each chunk follows once");

    const stored = await h.rest("GET", "/api/v1/interviews", { token });
    assert.equal(stored.items.length, 1);
    assert.notEqual(stored.items[0].status, "uploading", "finished (its analysis job has started)");
    assert.equal(stored.items[0].recording.size_bytes, files.long.size);
    assert.equal(stored.items[0].recording.sha256, files.long.sha256, "the resumed file is byte for byte the original");
    assert.deepEqual(await resumeEntries(page), [], "nothing left to resume");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a dropped connection is retried with backoff from the server's offset", async () => {
    const { token } = await h.newAccount("hedy");
    const context = await h.newContext(token);
    await context.addInitScript(([key, bytes]) => {
      try { localStorage.setItem(key, String(bytes)); } catch { /* about:blank has no storage */ }
    }, [CHUNK_KEY, 64 * 1024]);
    const page = await h.openPage(context, "/uploads");
    const tus = recordTus(page);
    await waitForRecordingsLoaded(page);
    // The second PATCH fails as if the network went away.
    let patches = 0;
    await page.route("**/files/*", (route) => {
      if (route.request().method() === "PATCH" && ++patches === 2) return route.abort("internetdisconnected");
      return route.continue();
    });

    await uploadInPage(page, files.other.path);
    await waitForText(page, "#transfers li.transfer .transfer-status", /^The connection was lost\. Trying again in 1 s…$/);
    await waitForText(page, "#transfers li.transfer .transfer-status", "Uploaded.");
    const methods = tus.requests.map((r) => r.method);
    assert.deepEqual(methods.slice(0, 4), ["POST", "PATCH", "PATCH", "HEAD"], "after the failure it asks for the offset");
    const patchOffsets = tus.requests.filter((r) => r.method === "PATCH").map((r) => Number(r.offset));
    assert.equal(patchOffsets[2], 64 * 1024, "and sends the failed chunk again");
    const stored = await h.rest("GET", "/api/v1/interviews", { token });
    assert.notEqual(stored.items[0].status, "uploading", "finished (its analysis job has started)");
    assert.equal(stored.items[0].recording.sha256, files.other.sha256);
    assert.deepEqual(page.scriptErrors, []);
  });

  test("an upload can be paused and resumed, and another one cancelled", async () => {
    const { token } = await h.newAccount("katherine");
    const context = await h.newContext(token);
    await context.addInitScript(([key, bytes]) => {
      try { localStorage.setItem(key, String(bytes)); } catch { /* about:blank has no storage */ }
    }, [CHUNK_KEY, MIB]);
    const page = await h.openPage(context, "/uploads");
    const tus = recordTus(page);
    await waitForRecordingsLoaded(page);
    // Hold the second PATCH of each upload so there is time to act.
    let patches = 0;
    let holding;
    let held = new Promise((resolve) => { holding = resolve; });
    await page.route("**/files/*", (route) => {
      if (route.request().method() === "PATCH" && ++patches === 2) return holding();
      return route.continue();
    });

    await uploadInPage(page, files.long.path, { company: "Umbrella" });
    await within(held, "the second PATCH");
    const card = page.locator("#transfers li.transfer");
    await card.locator("button[data-action=pause]").click();
    await waitForText(page, "#transfers li.transfer .transfer-status", "Paused. Resume continues where it stopped.");
    assert.equal(await card.getAttribute("data-status"), "paused");
    await page.unrouteAll({ behavior: "ignoreErrors" });
    const mark = tus.requests.length;
    await card.locator("button[data-action=resume]").click();
    await waitForText(page, "#transfers li.transfer .transfer-status", "Uploaded.");
    const resumed = tus.requests.slice(mark);
    assert.equal(resumed[0].method, "HEAD", "resuming asks for the offset first");
    assert.equal(Number(resumed.find((r) => r.method === "PATCH").offset), MIB, "and continues from it");
    const done = await h.rest("GET", "/api/v1/interviews", { token });
    assert.equal(done.items[0].recording.sha256, files.long.sha256);

    // Cancel: the upload is terminated on the server (DELETE with the tus headers).
    patches = 0;
    held = new Promise((resolve) => { holding = resolve; });
    await page.route("**/files/*", (route) => {
      if (route.request().method() === "PATCH" && ++patches === 2) return holding();
      return route.continue();
    });
    await uploadInPage(page, { name: "second-round.wav", mimeType: "audio/wav", buffer: wav(3 * MIB, 660) }, { company: "Hooli" });
    await within(held, "the second PATCH of the other upload");
    await waitForRecordings(page, "the new upload, listed", (rs) => rs.length === 2 && rs[0].status === "uploading");
    const other = page.locator('#transfers li.transfer:has(.transfer-name:text-is("second-round.wav"))');
    await other.locator("button[data-action=cancel]").click();
    await other.waitFor({ state: "detached" });
    const cancelled = tus.requests.filter((r) => r.method === "DELETE");
    assert.equal(cancelled.length, 1);
    assert.ok(cancelled[0].tus === "1.0.0" && cancelled[0].authorized, "DELETE carries the tus headers");
    assert.ok(tus.responses.some((r) => r.method === "DELETE" && r.status === 204), "and was accepted");
    await waitForRecordings(page, "only the finished recording", (rs) => rs.length === 1 && rs[0].status !== "uploading");
    const left = await h.rest("GET", "/api/v1/interviews", { token });
    assert.deepEqual(left.items.map((i) => i.company), ["Umbrella"]);
    assert.deepEqual(await resumeEntries(page), []);
    await page.unrouteAll({ behavior: "ignoreErrors" });
    assert.deepEqual(page.scriptErrors, []);
  });

  test("the same recording uploaded twice is recognised as a duplicate", async () => {
    const { token } = await h.newAccount("radia");
    const first = await uploadOverTus(h.baseUrl, token, { name: files.short.name, bytes: wav(files.short.size, 440), metadata: { company: "Acme" } });
    const context = await h.newContext(token);
    const page = await h.openPage(context, "/uploads");
    await waitForRecordings(page, "the earlier recording", (rs) => rs.length === 1 && rs[0].id === first);

    await uploadInPage(page, files.short.path, { company: "Acme again" });
    await waitForText(page, "#transfers li.transfer .transfer-status", /^You uploaded this recording before/);
    const card = page.locator("#transfers li.transfer");
    assert.equal(await card.locator(".transfer-open").getAttribute("href"), `/interviews/${first}`, "it links to the earlier interview");
    await waitForRecordingsLoaded(page);
    const shown = await waitForRecordings(page, "still one recording", (rs) => rs.length === 1);
    assert.equal(shown[0].id, first);
    const stored = await h.rest("GET", "/api/v1/interviews", { token });
    assert.deepEqual(stored.items.map((i) => i.id), [first], "not stored twice");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a recording's details are edited inline (a stale edit is reloaded), and it can be deleted", async () => {
    const { token } = await h.newAccount("margaret");
    const id = await uploadOverTus(h.baseUrl, token, {
      name: "call.wav", bytes: wav(100_044, 300), metadata: { company: "Acme", job_title: "Engineer", interview_type: "phone" },
    });
    const context = await h.newContext(token);
    const page = await h.openPage(context, "/uploads");
    await waitForRecordings(page, "the recording", (rs) => rs.length === 1 && rs[0].title === "Engineer at Acme");
    const row = page.locator(`#recordings li[data-id="${id}"]`);

    // A plain edit.
    await row.locator("button[data-action=edit]").click();
    assert.equal(await row.locator("button[data-action=edit]").getAttribute("aria-expanded"), "true");
    const form = row.locator("form.recording-edit");
    assert.equal(await form.locator("[name=company]").inputValue(), "Acme");
    assert.equal(await form.locator("[name=interview_type]").inputValue(), "phone");
    await form.locator("[name=notes]").fill("They asked about on-call.");
    await form.locator("button[type=submit]").click();
    await form.waitFor({ state: "hidden" });
    let stored = await h.rest("GET", `/api/v1/interviews/${id}`, { token });
    assert.equal(stored.notes, "They asked about on-call.");

    // Changed elsewhere while this form is open: the save is refused, the latest is shown, my change kept.
    await row.locator("button[data-action=edit]").click();
    await form.locator("[name=job_title]").fill("Staff engineer");
    await h.rest("PATCH", `/api/v1/interviews/${id}`, { token, body: { version: stored.version, company: "Globex" } });
    await form.locator("button[type=submit]").click();
    await waitForText(page, `#recordings li[data-id="${id}"] .form-error`, /changed elsewhere/);
    assert.equal(await form.locator("[name=company]").inputValue(), "Globex", "the other change is shown");
    assert.equal(await form.locator("[name=job_title]").inputValue(), "Staff engineer", "mine is kept");
    await waitForText(page, `#recordings li[data-id="${id}"] .recording-title`, "Engineer at Globex");
    await form.locator("button[type=submit]").click();
    await form.waitFor({ state: "hidden" });
    await waitForText(page, `#recordings li[data-id="${id}"] .recording-title`, "Staff engineer at Globex");
    stored = await h.rest("GET", `/api/v1/interviews/${id}`, { token });
    assert.deepEqual([stored.company, stored.job_title, stored.notes], ["Globex", "Staff engineer", "They asked about on-call."]);

    // Deleting asks first; declining keeps it.
    await row.locator("button[data-action=delete]").click();
    assert.equal(context.dialogs.length, 1, "asked to confirm");
    assert.match(context.dialogs[0], /Delete “Staff engineer at Globex”/);
    assert.equal(await row.count(), 1);
    context.dialogAnswers.push("accept");
    await row.locator("button[data-action=delete]").click();
    await row.waitFor({ state: "detached" });
    assert.ok(await page.isVisible("#recordings-empty"));
    const left = await h.rest("GET", "/api/v1/interviews", { token });
    assert.deepEqual(left.items, []);
    assert.deepEqual(page.scriptErrors, []);
  });

  test("more recordings load on demand", async () => {
    const { token } = await h.newAccount("frances");
    const ids = [];
    for (let i = 0; i < 21; i += 1) {
      ids.push(await uploadOverTus(h.baseUrl, token, { name: `take-${i}.wav`, bytes: wav(1_044, 200 + i), metadata: { company: `Company ${i}` } }));
    }
    const context = await h.newContext(token);
    const page = await h.openPage(context, "/uploads");
    await waitForRecordings(page, "the first page", (rs) => rs.length === 20);
    assert.equal((await shownRecordings(page))[0].title, "Company 20", "newest first");
    await page.click("#more-recordings");
    const all = await waitForRecordings(page, "all of them", (rs) => rs.length === 21);
    assert.deepEqual(all.map((r) => r.id), [...ids].reverse());
    await page.locator("#more-recordings").waitFor({ state: "hidden" });

    // A new one arrives (pushed): it goes on top, and the older pages stay, all of them shown.
    await waitUntilOnline(page);
    ids.push(await uploadOverTus(h.baseUrl, token, { name: "take-new.wav", bytes: wav(1_044, 199), metadata: { company: "Newest" } }));
    const updated = await waitForRecordings(page, "the new one on top", (rs) => rs.length === 22);
    assert.deepEqual(updated.map((r) => r.id), [...ids].reverse());
    await waitForRecordingsLoaded(page);
    assert.ok(await page.isHidden("#more-recordings"), "nothing more to load");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("without a token the page sends the visitor to sign in", async () => {
    const context = await h.newContext();
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/uploads`);
    await page.waitForURL(`${h.baseUrl}/`);
    await page.locator("#auth").waitFor();
  });
});
