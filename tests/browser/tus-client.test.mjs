// A stock tus client against Debrief's tus 1.0.0 server: tus-js-client (its
// Node build, unmodified, default HTTP stack) creates, uploads, aborts and
// resumes recordings at /files/, and what it uploaded is what the server keeps
// (size and SHA-256 read back over the REST API). Plain `fetch` checks that one
// account cannot read or write another's upload.
//
//   DEBRIEF_BIN=/path/to/debrief  the server binary (default: target/debug/debrief)

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tus from "tus-js-client";
import { HANG_GUARD_MS, PASSWORD, startServer, stopServer, uniqueEmail } from "./support.mjs";

/** A story's budget: several megabytes over loopback, far below this unless it hangs. */
const STORY_TIMEOUT_MS = 4 * HANG_GUARD_MS;

/** Small chunks, so one upload is many PATCH requests. */
const CHUNK_SIZE = 256 * 1024;

const sha256 = (buffer) => createHash("sha256").update(buffer).digest("hex");

/**
 * A 16 kHz mono 16-bit PCM WAV of `seconds`: a 44-byte RIFF/WAVE header, then
 * a rising tone plus seeded noise, so no two chunks of it are alike (an upload
 * resumed at the wrong offset cannot come out with the same bytes).
 */
function wav(seconds, seed = 1) {
  const rate = 16_000;
  const samples = Math.round(seconds * rate);
  const data = samples * 2;
  const buffer = Buffer.alloc(44 + data);
  buffer.write("RIFF", 0, "ascii");
  buffer.writeUInt32LE(36 + data, 4);
  buffer.write("WAVE", 8, "ascii");
  buffer.write("fmt ", 12, "ascii");
  buffer.writeUInt32LE(16, 16); // fmt chunk size
  buffer.writeUInt16LE(1, 20); // PCM
  buffer.writeUInt16LE(1, 22); // mono
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE(rate * 2, 28); // byte rate
  buffer.writeUInt16LE(2, 32); // block align
  buffer.writeUInt16LE(16, 34); // bits per sample
  buffer.write("data", 36, "ascii");
  buffer.writeUInt32LE(data, 40);
  let state = seed >>> 0;
  for (let i = 0; i < samples; i += 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const noise = (state / 2 ** 32 - 0.5) * 0.1;
    const t = i / rate;
    const tone = 0.5 * Math.sin(2 * Math.PI * (220 + 20 * t) * t);
    buffer.writeInt16LE(Math.round((tone + noise) * 32_000), 44 + 2 * i);
  }
  return buffer;
}

/** The Upload-Metadata every story sends (tus-js-client base64-encodes it). */
const metadata = (filename) => ({
  filename,
  filetype: "audio/wav",
  company: "Acme Robotics",
  job_title: "Staff Engineer",
  interview_type: "behavioral",
});

/**
 * Runs a tus-js-client upload of `input` with `options` (endpoint, headers…)
 * and records every request it sends: method, URL, the Upload-Offset it
 * claimed, the answer's status and headers. `stopWhen(bytesAccepted, total)`
 * aborts it after a chunk. Resolves `{ upload, requests, interviewId, aborted }`;
 * rejects with tus-js-client's error (which names the request and the answer).
 */
function runUpload(input, options, { stopWhen = () => false } = {}) {
  const requests = [];
  let interviewId = null;
  let upload;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the upload did not finish in ${STORY_TIMEOUT_MS} ms: ${log(requests)}`)),
      STORY_TIMEOUT_MS,
    );
    const finish = (aborted) => { clearTimeout(timer); resolve({ upload, requests, interviewId, aborted }); };
    upload = new tus.Upload(input, {
      retryDelays: null, // a failed request fails the story instead of being retried
      ...options,
      onBeforeRequest(req) {
        requests.push({
          method: req.getMethod(),
          url: req.getURL(),
          offset: req.getHeader("Upload-Offset") ?? null,
          status: null,
          headers: null,
        });
      },
      onAfterResponse(req, res) {
        const record = requests.findLast((r) => r.method === req.getMethod() && r.url === req.getURL());
        record.status = res.getStatus();
        record.headers = {
          "upload-offset": res.getHeader("Upload-Offset") ?? null,
          location: res.getHeader("Location") ?? null,
          "tus-resumable": res.getHeader("Tus-Resumable") ?? null,
          "debrief-interview-id": res.getHeader("Debrief-Interview-Id") ?? null,
        };
        const id = res.getHeader("Debrief-Interview-Id");
        if (id) interviewId = id;
      },
      onChunkComplete(_chunk, bytesAccepted, bytesTotal) {
        if (stopWhen(bytesAccepted, bytesTotal)) {
          upload.abort().then(() => finish(true), (error) => { clearTimeout(timer); reject(error); });
        }
      },
      onSuccess() { finish(false); },
      onError(error) { clearTimeout(timer); reject(error); },
    });
    upload.start();
  });
  return done;
}

/** The recorded requests, one line each ("PATCH @262144 -> 204 offset 524288"), for messages. */
const log = (requests) => requests
  .map((r) => `${r.method}${r.offset === null ? "" : ` @${r.offset}`} -> ${r.status}`
    + (r.headers?.["upload-offset"] == null ? "" : ` offset ${r.headers["upload-offset"]}`))
  .join("; ");

/** Offsets the PATCH requests claimed, as numbers. */
const patchOffsets = (requests) => requests.filter((r) => r.method === "PATCH").map((r) => Number(r.offset));

describe("a stock tus client (tus-js-client) against /files/", () => {
  let server;
  let baseUrl;
  let storageDir;
  let alice;
  let mallory;

  /** A JSON REST call; fails the story unless it answers 2xx. */
  async function rest(method, path, { token, body } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${baseUrl}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HANG_GUARD_MS),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  const register = async (label) => {
    const { token } = await rest("POST", "/api/v1/auth/register", {
      body: { name: label, email: uniqueEmail(label), password: PASSWORD },
    });
    return { token };
  };

  /** Options every upload starts from: the endpoint, the account's bearer token. */
  const tusOptions = (account, filename) => ({
    endpoint: `${baseUrl}/files/`,
    headers: { Authorization: `Bearer ${account.token}` },
    metadata: metadata(filename),
  });

  /** The interview the upload made, read back as its owner. */
  const interview = (account, id) => rest("GET", `/api/v1/interviews/${encodeURIComponent(id)}`, { token: account.token });

  /** Plain tus request (no client library) as `account`. */
  const tusFetch = (url, method, account, headers = {}, body = undefined) => fetch(url, {
    method,
    headers: { "Tus-Resumable": "1.0.0", Authorization: `Bearer ${account.token}`, ...headers },
    body,
    signal: AbortSignal.timeout(HANG_GUARD_MS),
  });

  before(async () => {
    storageDir = mkdtempSync(join(tmpdir(), "debrief-tus-client-"));
    server = startServer({ DEBRIEF_STORAGE__DIR: storageDir });
    baseUrl = await server.address;
    alice = await register("alice");
    mallory = await register("mallory");
  });

  after(async () => {
    await stopServer(server?.child);
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  test("uploads a WAV in 256 KiB chunks; the interview holds exactly those bytes", { timeout: STORY_TIMEOUT_MS }, async () => {
    const recording = wav(20); // 640 044 bytes: three PATCH requests
    const { requests, interviewId, upload } = await runUpload(recording, {
      ...tusOptions(alice, "story-one.wav"),
      chunkSize: CHUNK_SIZE,
    });

    const methods = requests.map((r) => r.method);
    assert.deepEqual(methods, ["POST", "PATCH", "PATCH", "PATCH"], `requests sent: ${log(requests)}`);
    assert.equal(requests[0].status, 201, `POST /files/ answered ${JSON.stringify(requests[0])}`);
    assert.deepEqual(patchOffsets(requests), [0, CHUNK_SIZE, 2 * CHUNK_SIZE]);
    for (const r of requests.slice(1)) assert.equal(r.status, 204, `PATCH answered ${JSON.stringify(r)}`);
    assert.equal(Number(requests.at(-1).headers["upload-offset"]), recording.length);
    assert.ok(upload.url.startsWith(`${baseUrl}/files/`), `upload URL ${upload.url}`);
    assert.ok(interviewId, `no Debrief-Interview-Id on the final PATCH: ${JSON.stringify(requests.at(-1))}`);

    const stored = await interview(alice, interviewId);
    assert.equal(stored.id, interviewId);
    assert.notEqual(stored.status, "uploading", "finished (its analysis job has started)");
    assert.equal(stored.recording.size_bytes, recording.length);
    assert.equal(stored.recording.sha256, sha256(recording));
    assert.equal(stored.recording.filename, "story-one.wav");
    assert.equal(stored.company, "Acme Robotics");
    assert.equal(stored.job_title, "Staff Engineer");
    assert.equal(stored.interview_type, "behavioral");
  });

  test("an aborted upload resumes from the server's offset with a new client (uploadUrl)", { timeout: STORY_TIMEOUT_MS }, async () => {
    const recording = wav(200, 2); // 6 400 044 bytes, 25 chunks
    const first = await runUpload(recording, {
      ...tusOptions(alice, "story-two.wav"),
      chunkSize: CHUNK_SIZE,
    }, { stopWhen: (accepted, total) => accepted > total / 3 });
    assert.equal(first.aborted, true, "the first client should have been aborted, not finished");
    const acceptedAtAbort = Number(first.requests.at(-1).headers["upload-offset"]);
    assert.ok(acceptedAtAbort > recording.length / 3 && acceptedAtAbort < recording.length);

    // The interview exists from creation and is still arriving.
    assert.ok(first.interviewId, `no Debrief-Interview-Id on the creating POST: ${JSON.stringify(first.requests[0])}`);
    const halfway = await interview(alice, first.interviewId);
    assert.equal(halfway.status, "uploading");
    assert.equal(halfway.recording.uploaded_bytes, acceptedAtAbort);

    // The server kept exactly what it acknowledged.
    const head = await tusFetch(first.upload.url, "HEAD", alice);
    assert.equal(head.status, 200, `HEAD ${first.upload.url} answered ${head.status}`);
    assert.equal(Number(head.headers.get("upload-offset")), acceptedAtAbort);
    assert.equal(Number(head.headers.get("upload-length")), recording.length);

    const second = await runUpload(recording, {
      ...tusOptions(alice, "story-two.wav"),
      chunkSize: CHUNK_SIZE,
      uploadUrl: first.upload.url,
    });
    assert.equal(second.aborted, false);
    assert.deepEqual(second.requests.map((r) => r.method).slice(0, 2), ["HEAD", "PATCH"],
      `the resuming client should ask for the offset, then PATCH: ${log(second.requests)}`);
    assert.ok(!second.requests.some((r) => r.method === "POST"), "the resuming client created a new upload");
    const offsets = patchOffsets(second.requests);
    assert.ok(offsets[0] > 0, `the resumed upload's first PATCH started at ${offsets[0]}`);
    assert.equal(offsets[0], acceptedAtAbort);
    assert.equal(second.requests.at(-1).headers["debrief-interview-id"], first.interviewId,
      `the final PATCH should name the interview the upload was created for: ${JSON.stringify(second.requests.at(-1))}`);

    const stored = await interview(alice, first.interviewId);
    assert.notEqual(stored.status, "uploading", "finished (its analysis job has started)");
    assert.equal(stored.recording.size_bytes, recording.length);
    assert.equal(stored.recording.sha256, sha256(recording));
  });

  test("an aborted upload resumes through findPreviousUploads and the stock FileUrlStorage", { timeout: STORY_TIMEOUT_MS }, async () => {
    const recording = wav(200, 3);
    const urlStorage = new tus.FileUrlStorage(join(storageDir, "tus-js-client-urls.json"));
    const options = { ...tusOptions(alice, "story-two-b.wav"), chunkSize: CHUNK_SIZE, urlStorage };

    const first = await runUpload(recording, options, { stopWhen: (accepted, total) => accepted > total / 3 });
    assert.equal(first.aborted, true);
    const acceptedAtAbort = Number(first.requests.at(-1).headers["upload-offset"]);

    // A new client, knowing only the file: it finds the upload in the storage.
    const second = await new Promise((resolve, reject) => {
      const probe = new tus.Upload(recording, options);
      probe.findPreviousUploads().then((previous) => {
        assert.equal(previous.length, 1, `previous uploads: ${JSON.stringify(previous)}`);
        assert.equal(previous[0].uploadUrl, first.upload.url);
        resolve(previous[0]);
      }, reject);
    }).then((previous) => {
      const requests = [];
      return new Promise((resolve, reject) => {
        let interviewId = null;
        const upload = new tus.Upload(recording, {
          ...options,
          retryDelays: null,
          onBeforeRequest(req) { requests.push({ method: req.getMethod(), offset: req.getHeader("Upload-Offset") ?? null, status: null }); },
          onAfterResponse(_req, res) {
            requests.at(-1).status = res.getStatus();
            interviewId = res.getHeader("Debrief-Interview-Id") ?? interviewId;
          },
          onSuccess() { resolve({ requests, interviewId }); },
          onError: reject,
        });
        upload.resumeFromPreviousUpload(previous);
        upload.start();
      });
    });
    const resumeOffsets = patchOffsets(second.requests);
    assert.ok(!second.requests.some((r) => r.method === "POST"), `created anew: ${log(second.requests)}`);
    assert.equal(resumeOffsets[0], acceptedAtAbort, `PATCH offsets of the resumed upload: ${resumeOffsets}`);
    assert.ok(resumeOffsets[0] > 0);
    assert.equal(second.interviewId, first.interviewId, "the resumed upload finished a different interview");

    const stored = await interview(alice, first.interviewId);
    assert.notEqual(stored.status, "uploading", "finished (its analysis job has started)");
    assert.equal(stored.recording.size_bytes, recording.length);
    assert.equal(stored.recording.sha256, sha256(recording));
  });

  test("with uploadDataDuringCreation a small WAV goes up in the single creating request", { timeout: STORY_TIMEOUT_MS }, async () => {
    const recording = wav(2, 4); // 64 044 bytes
    const { requests, interviewId } = await runUpload(recording, {
      ...tusOptions(alice, "story-three.wav"),
      uploadDataDuringCreation: true,
    });
    assert.deepEqual(requests.map((r) => r.method), ["POST"], `requests sent: ${log(requests)}`);
    assert.equal(requests[0].status, 201);
    assert.equal(Number(requests[0].headers["upload-offset"]), recording.length,
      `the creating POST should acknowledge every byte: ${JSON.stringify(requests[0])}`);
    assert.ok(interviewId, `no Debrief-Interview-Id on the creating POST: ${JSON.stringify(requests[0])}`);

    const stored = await interview(alice, interviewId);
    assert.notEqual(stored.status, "uploading", "finished (its analysis job has started)");
    assert.equal(stored.recording.size_bytes, recording.length);
    assert.equal(stored.recording.sha256, sha256(recording));
  });

  test("another account can neither HEAD nor PATCH the upload: 404, and nothing changes", { timeout: STORY_TIMEOUT_MS }, async () => {
    const recording = wav(20, 5);
    const first = await runUpload(recording, {
      ...tusOptions(alice, "story-four.wav"),
      chunkSize: CHUNK_SIZE,
    }, { stopWhen: () => true }); // stop after the first chunk
    const url = first.upload.url;
    assert.equal(first.aborted, true);
    assert.equal(Number(first.requests.at(-1).headers["upload-offset"]), CHUNK_SIZE);

    const head = await tusFetch(url, "HEAD", mallory);
    assert.equal(head.status, 404, `HEAD ${url} as another account answered ${head.status}`);
    assert.equal(head.headers.get("upload-offset"), null, "the 404 leaked the offset");

    const patch = await tusFetch(url, "PATCH", mallory, {
      "Upload-Offset": String(CHUNK_SIZE),
      "Content-Type": "application/offset+octet-stream",
    }, recording.subarray(CHUNK_SIZE, 2 * CHUNK_SIZE));
    assert.equal(patch.status, 404, `PATCH ${url} as another account answered ${patch.status}: ${await patch.text()}`);

    const own = await tusFetch(url, "HEAD", alice);
    assert.equal(own.status, 200);
    assert.equal(Number(own.headers.get("upload-offset")), CHUNK_SIZE, "another account's PATCH moved the offset");
  });
});
