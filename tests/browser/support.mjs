// Shared harness of the browser tests: a real Debrief server (in-memory
// database, recordings in a temporary directory, no model unless a suite
// configures one) and a real headless Chromium, plus the helpers every page
// test needs (accounts, recordings). Not a test file itself: `node --test` only picks up *.test.mjs here.
//
//   DEBRIEF_BIN=/path/to/debrief  the server binary (default: target/debug/debrief)
//   CHROMIUM_PATH=/path/to/chrome the browser (default: /usr/bin/chromium)

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** How long to wait for anything before calling it a hang (not a speed check). */
export const HANG_GUARD_MS = 15_000;

/** The password of every account the tests create. */
export const PASSWORD = "correct horse battery";

/** The server binary under test. */
export const SERVER_BIN =
  process.env.DEBRIEF_BIN ?? fileURLToPath(new URL("../../target/debug/debrief", import.meta.url));

/** The browser that drives the pages. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless, and no traffic of its own (updates, sync, QUIC): only the pages' requests. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Starts the server on a free port, with no model configured unless `env` sets
 * one, and recordings stored in a fresh temporary directory (removed when the
 * server exits); `address` resolves once it prints `listening on http://…`.
 */
export function startServer(env = {}) {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(`no server binary at ${SERVER_BIN}: run \`cargo build\` or set DEBRIEF_BIN`);
  }
  const storageDir = mkdtempSync(join(tmpdir(), "debrief-files-"));
  const child = spawn(SERVER_BIN, [], {
    env: {
      ...process.env,
      DEBRIEF_SERVER__BIND: "127.0.0.1:0",
      DEBRIEF_DATABASE__URL: "mem://",
      DEBRIEF_SERVER__WORKERS: "1",
      DEBRIEF_LLM__BASE_URL: "",
      DEBRIEF_MODELS__CHAT: "",
      DEBRIEF_MODELS__STT: "",
      DEBRIEF_MODELS__EMBED: "",
      DEBRIEF_MODELS__FETCH_ON_START: "false",
      DEBRIEF_STORAGE__DIR: storageDir,
      RUST_LOG: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const removeStorage = () => rmSync(storageDir, { recursive: true, force: true });
  child.once("exit", removeStorage);
  child.once("error", removeStorage);
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });

  const address = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not print its address in ${HANG_GUARD_MS} ms\n${stderr}`)),
      HANG_GUARD_MS,
    );
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("error", (error) => { clearTimeout(timer); reject(error); });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (code ${code}, signal ${signal})\n${stderr}`));
    });
  });
  return { child, address };
}

/** SIGTERM, then SIGKILL if the server has not stopped within the hang guard. */
export async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), HANG_GUARD_MS);
  await exited;
  clearTimeout(timer);
}

/** A fresh address for a new account, `label-<uuid>@example.com`. */
export const uniqueEmail = (label) => `${label}-${randomUUID()}@example.com`;

/** JSON of a WebSocket frame or request body, `null` if it is not JSON. */
export const parse = (message) => { try { return JSON.parse(String(message)); } catch { return null; } };

/**
 * Waits until the element's text is exactly `expected` (a string) or matches
 * it (a RegExp); fails with what it was.
 */
export async function waitForText(page, selector, expected) {
  const exact = typeof expected === "string";
  try {
    await page.waitForFunction(
      ([sel, isExact, text, source, flags]) => {
        const actual = document.querySelector(sel)?.textContent;
        return isExact ? actual === text : new RegExp(source, flags).test(actual ?? "");
      },
      [selector, exact, exact ? expected : null, exact ? null : expected.source, exact ? null : expected.flags],
      { timeout: HANG_GUARD_MS },
    );
  } catch (error) {
    const actual = await page.locator(selector).textContent().catch(() => "<missing>");
    const wanted = exact ? `read ${JSON.stringify(expected)}` : `match ${expected}`;
    assert.fail(`${selector} should ${wanted} but reads ${JSON.stringify(actual)} (${error.message.split("\n")[0]})`);
  }
}

/** Waits until the connection pill is shown and reads exactly "online". */
export async function waitUntilOnline(page) {
  await page.locator("#connection").waitFor();
  await waitForText(page, "#connection", "online");
}

/** Waits until the connection pill is shown and reads exactly "offline". */
export async function waitUntilOffline(page) {
  await page.locator("#connection").waitFor();
  await waitForText(page, "#connection", "offline");
}

/** Signs up in the sign-in page's "Register" tab; resolves on the home view. */
export async function registerInPage(page, { name, email, password = PASSWORD }) {
  await page.click("#tab-register");
  await page.fill("#auth-form [name=name]", name);
  await page.fill("#auth-form [name=email]", email);
  await page.fill("#auth-form [name=password]", password);
  await page.click("#auth-submit");
  await page.locator("#home").waitFor();
}

/**
 * Headless Chromium. A launch is tried twice: on this machine Chromium has
 * been seen to crash (SIGSEGV) at start-up once in many runs, before any
 * page exists; a crash after that still fails the story.
 */
async function launchChromium(extraArgs = []) {
  const args = [...CHROMIUM_ARGS, ...extraArgs];
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args });
  } catch (error) {
    console.error(`# Chromium did not start (${String(error.message).split("\n")[0]}); trying once more`);
    return chromium.launch({ executablePath: CHROMIUM_PATH, args });
  }
}

/**
 * A server and a browser for one suite (call it inside `describe`): started
 * before its stories, stopped after. `beforeStart` may start what the server
 * needs first and return env for it; `browserArgs` are added to Chromium's
 * command line (a fake microphone, say). Returns helpers bound to that server.
 */
export function useServer(beforeStart = async () => ({}), { browserArgs = [] } = {}) {
  const h = {};
  let server;

  before(async () => {
    server = startServer(await beforeStart());
    h.baseUrl = await server.address;
    h.browser = await launchChromium(browserArgs);
  });

  after(async () => {
    await h.browser?.close(); // closes every context and page too
    await stopServer(server?.child);
  });

  /** A REST call with JSON in and out; fails the story unless it answers 2xx. */
  h.rest = async (method, path, { token, body } = {}) => {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${h.baseUrl}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HANG_GUARD_MS),
    });
    const data = response.status === 204 ? null : await response.json();
    assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${JSON.stringify(data)}`);
    return data;
  };

  /** A fresh account, signed up over the API. */
  h.newAccount = async (label) => {
    const { token, user } = await h.rest("POST", "/api/v1/auth/register", {
      body: { name: label, email: uniqueEmail(label), password: PASSWORD },
    });
    return { token, user };
  };

  /**
   * A browser context with its own storage (an empty profile), optionally
   * already holding a token. Dialogs are recorded in `context.dialogs` and
   * dismissed, or accepted if "accept" is next in `context.dialogAnswers`.
   */
  h.newContext = async (token) => {
    const context = await h.browser.newContext();
    context.setDefaultTimeout(HANG_GUARD_MS);
    context.dialogs = [];
    context.dialogAnswers = [];
    context.on("dialog", (dialog) => {
      context.dialogs.push(dialog.message());
      const answer = context.dialogAnswers.shift() === "accept" ? dialog.accept() : dialog.dismiss();
      answer.catch(() => {});
    });
    if (token) {
      await context.addInitScript((t) => {
        try { localStorage.setItem("debrief.token", t); } catch { /* about:blank has no storage */ }
      }, token);
    }
    return context;
  };

  /**
   * Opens `path` in a new page of the context; uncaught script errors are
   * recorded in `page.scriptErrors`, received WebSocket frames in `page.frames`.
   * With `relay` (a function that routes the page's WebSocket and returns a
   * relay), `page.relay` is that relay and records the frames instead.
   */
  h.openPage = async (context, path = "/", { relay = null } = {}) => {
    const page = await context.newPage();
    page.scriptErrors = [];
    page.frames = [];
    page.on("pageerror", (error) => page.scriptErrors.push(error.message));
    if (relay) {
      page.relay = await relay(page);
    } else {
      page.on("websocket", (socket) => {
        socket.on("framereceived", ({ payload }) => { page.frames.push(parse(payload)); });
      });
    }
    await page.goto(`${h.baseUrl}${path}`);
    return page;
  };

  /**
   * A fresh account signed up over the API, and `path` open in a new context
   * that holds its token: `{ token, user, context, page }`.
   */
  h.signedInPage = async (label, path = "/") => {
    const { token, user } = await h.newAccount(label);
    const context = await h.newContext(token);
    const page = await h.openPage(context, path);
    return { token, user, context, page };
  };

  return h;
}

// ---------------------------------------------------------------- recordings

/**
 * A 16-bit PCM WAV at 16 kHz of `frames` frames of `channels` channels: the
 * 44-byte RIFF/WAVE header, then silence for the caller to fill in
 * (sample `c` of frame `i` at byte `44 + 2 * (i * channels + c)`).
 */
export function wavFile(frames, channels) {
  const rate = 16_000;
  const data = frames * channels * 2;
  const file = Buffer.alloc(44 + data);
  file.write("RIFF", 0, "ascii");
  file.writeUInt32LE(36 + data, 4);
  file.write("WAVE", 8, "ascii");
  file.write("fmt ", 12, "ascii");
  file.writeUInt32LE(16, 16); // size of the fmt chunk
  file.writeUInt16LE(1, 20); // PCM
  file.writeUInt16LE(channels, 22);
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(rate * channels * 2, 28); // bytes per second
  file.writeUInt16LE(channels * 2, 32); // bytes per frame
  file.writeUInt16LE(16, 34); // bits per sample
  file.write("data", 36, "ascii");
  file.writeUInt32LE(data, 40);
  return file;
}

/**
 * A mono 16-bit PCM WAV of `bytes` bytes in all (a 44-byte RIFF/WAVE header,
 * then samples of a sine tone of `hz` at 16 kHz, peaking at `amplitude`).
 */
export function wav(bytes, hz = 440, amplitude = 8000) {
  const rate = 16_000;
  const samples = Math.floor((bytes - 44) / 2);
  const file = wavFile(samples, 1);
  for (let i = 0; i < samples; i += 1) {
    file.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude), 44 + 2 * i);
  }
  return file;
}

/** The same WAV, `seconds` long (a quiet tone unless `amplitude` says otherwise). */
export const wavSeconds = (seconds, hz = 220, amplitude = 600) => wav(44 + 2 * Math.round(seconds * 16_000), hz, amplitude);

/** Waits until the recordings page's list has finished loading (no refresh in flight). */
export async function waitForRecordingsLoaded(page) {
  await page.locator("#recordings[aria-busy=false]").waitFor({ state: "attached" });
}

/** On the recordings page: picks a file in the form, fills the context given, and presses Upload. */
export async function uploadInPage(page, file, context = {}) {
  await page.setInputFiles("#file-input", file);
  for (const [field, value] of Object.entries(context)) {
    if (field === "interview_type") await page.selectOption(`#upload-form [name=${field}]`, value);
    else await page.fill(`#upload-form [name=${field}]`, value);
  }
  await page.click("#upload-submit");
}

/** An upload made over tus from the test (a recording that exists before the page opens); resolves with its interview id. */
export async function uploadOverTus(baseUrl, token, { name, bytes, metadata = {} }) {
  const headers = { Authorization: `Bearer ${token}`, "Tus-Resumable": "1.0.0" };
  const pairs = { filename: name, filetype: "audio/wav", ...metadata };
  const created = await fetch(`${baseUrl}/files/`, {
    method: "POST",
    headers: {
      ...headers, "Upload-Length": String(bytes.length),
      "Upload-Metadata": Object.entries(pairs).map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`).join(","),
    },
    signal: AbortSignal.timeout(HANG_GUARD_MS),
  });
  assert.equal(created.status, 201, await created.text());
  const patched = await fetch(new URL(created.headers.get("location"), baseUrl), {
    method: "PATCH",
    headers: { ...headers, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0" },
    body: bytes,
    signal: AbortSignal.timeout(HANG_GUARD_MS),
  });
  assert.equal(patched.status, 204, await patched.text());
  return created.headers.get("debrief-interview-id");
}
