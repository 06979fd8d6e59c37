// The web sign-in page, driven by a real headless Chromium against a real
// Debrief server (in-memory database). Each story uses a fresh browser context
// (its own localStorage) and a fresh account.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh)
//   DEBRIEF_BIN=/path/to/debrief  the server binary (default: target/debug/debrief)
//   CHROMIUM_PATH=/path/to/chrome the browser (default: /usr/bin/chromium)

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** How long to wait for anything before calling it a hang (not a speed check). */
const HANG_GUARD_MS = 15_000;
const PASSWORD = "correct horse battery";

const SERVER_BIN =
  process.env.DEBRIEF_BIN ?? fileURLToPath(new URL("../../target/debug/debrief", import.meta.url));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts the server on a free port; resolves once it prints its address. */
function startServer() {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(`no server binary at ${SERVER_BIN}: run \`cargo build\` or set DEBRIEF_BIN`);
  }
  const child = spawn(SERVER_BIN, [], {
    env: {
      ...process.env,
      DEBRIEF_SERVER__BIND: "127.0.0.1:0",
      DEBRIEF_DATABASE__URL: "mem://",
      DEBRIEF_SERVER__WORKERS: "1",
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), HANG_GUARD_MS);
  await exited;
  clearTimeout(timer);
}

/** Waits until the element's text is exactly `expected`; fails with what it was. */
async function waitForText(page, selector, expected) {
  try {
    await page.waitForFunction(
      ([sel, text]) => document.querySelector(sel)?.textContent === text,
      [selector, expected],
      { timeout: HANG_GUARD_MS },
    );
  } catch (error) {
    const actual = await page.locator(selector).textContent().catch(() => "<missing>");
    assert.fail(`${selector} should read ${JSON.stringify(expected)} but reads ${JSON.stringify(actual)} (${error.message.split("\n")[0]})`);
  }
}

const isVisible = (page, selector) => page.locator(selector).isVisible();
const storedToken = (page) => page.evaluate(() => localStorage.getItem("debrief.token"));
const uniqueEmail = (label) => `${label}-${randomUUID()}@example.com`;

describe("the web sign-in page", () => {
  let server;
  let baseUrl;
  let browser;

  before(async () => {
    server = startServer();
    baseUrl = await server.address;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close(); // closes every context and page too
    await stopServer(server?.child);
  });

  /** A visitor with an empty browser profile, on the home page. */
  async function newVisitor() {
    const context = await browser.newContext();
    context.setDefaultTimeout(HANG_GUARD_MS);
    return { context, page: await openPage(context) };
  }

  /** Opens the home page in the context; uncaught script errors fail the story. */
  async function openPage(context) {
    const page = await context.newPage();
    page.scriptErrors = [];
    page.on("pageerror", (error) => page.scriptErrors.push(error.message));
    await page.goto(baseUrl);
    return page;
  }

  async function register(page, { name, email, password = PASSWORD }) {
    await page.click("#tab-register");
    await page.fill("#auth-form [name=name]", name);
    await page.fill("#auth-form [name=email]", email);
    await page.fill("#auth-form [name=password]", password);
    await page.click("#auth-submit");
    await page.locator("#home").waitFor();
  }

  async function signIn(page, { email, password }) {
    await page.fill("#auth-form [name=email]", email);
    await page.fill("#auth-form [name=password]", password);
    await page.click("#auth-submit");
  }

  async function rename(page, name) {
    await page.fill("#rename-form [name=name]", name);
    await page.click("#rename-form button[type=submit]");
  }

  async function waitUntilOnline(page) {
    await page.locator("#connection").waitFor();
    await waitForText(page, "#connection", "online");
  }

  test("a visitor registers and lands on the home view, connected", async () => {
    const { page } = await newVisitor();
    const email = uniqueEmail("ada");
    assert.ok(await isVisible(page, "#auth"), "a new visitor sees the sign-in card");
    assert.ok(!(await isVisible(page, "#home")));

    await register(page, { name: "Ada Lovelace", email });

    assert.ok(!(await isVisible(page, "#auth")), "the sign-in card is gone");
    await waitForText(page, "#user-name", "Ada Lovelace");
    await waitForText(page, "#user-email", email);
    assert.equal(await page.inputValue("#rename-form [name=name]"), "Ada Lovelace");
    assert.ok(await storedToken(page), "the token is kept for the next visit");
    await waitUntilOnline(page);
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a second tab of the same user sees a rename live, without reloading", async () => {
    const { context, page: first } = await newVisitor();
    await register(first, { name: "Grace Hopper", email: uniqueEmail("grace") });
    await waitUntilOnline(first);

    // The second tab shares localStorage, so it opens already signed in.
    const second = await openPage(context);
    await second.locator("#home").waitFor();
    await waitForText(second, "#user-name", "Grace Hopper");
    await waitUntilOnline(second);
    let navigations = 0;
    second.on("framenavigated", () => { navigations += 1; });
    await second.evaluate(() => { window.sameDocument = true; });

    await rename(first, "Admiral Hopper");

    await waitForText(first, "#user-name", "Admiral Hopper");
    await waitForText(second, "#user-name", "Admiral Hopper");
    assert.equal(await second.inputValue("#rename-form [name=name]"), "Admiral Hopper");
    assert.match(await second.locator("#events li").first().textContent(), /Profile updated/);
    assert.equal(navigations, 0, "the second tab did not navigate");
    assert.equal(await second.evaluate(() => window.sameDocument), true, "the second tab did not reload");
    assert.deepEqual(first.scriptErrors, []);
    assert.deepEqual(second.scriptErrors, []);
  });

  test("signing out, a wrong password, then the right one", async () => {
    const { page } = await newVisitor();
    const email = uniqueEmail("alan");
    await register(page, { name: "Alan Turing", email });
    await waitUntilOnline(page);

    await page.click("#logout");
    await page.locator("#auth").waitFor();
    assert.ok(!(await isVisible(page, "#home")), "the home view is gone");
    assert.ok(!(await isVisible(page, "#connection")), "the connection pill is gone");
    assert.equal(await storedToken(page), null, "the token is forgotten");

    // Signing out lands on the "Sign in" tab, without the name field.
    assert.equal(await page.getAttribute("#tab-login", "aria-selected"), "true");
    assert.equal(await page.textContent("#auth-submit"), "Sign in");
    assert.ok(!(await isVisible(page, "#name-field")), "no name field when signing in");
    assert.ok(!(await isVisible(page, "#auth-error")), "no stale error");

    const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login"));
    await signIn(page, { email, password: "not the password" });
    const response = await answer;
    assert.equal(response.status(), 401);
    const { error } = await response.json();
    assert.ok(error?.message, "the server explains the failure");
    await page.locator("#auth-error").waitFor();
    await waitForText(page, "#auth-error", error.message);
    assert.ok(await isVisible(page, "#auth"), "still on the sign-in card");
    assert.equal(await storedToken(page), null);

    await signIn(page, { email, password: PASSWORD });
    await page.locator("#home").waitFor();
    await waitForText(page, "#user-name", "Alan Turing");
    await waitUntilOnline(page);
    assert.ok(await storedToken(page));

    // The earlier error does not come back on the next sign-out.
    await page.click("#logout");
    await page.locator("#auth").waitFor();
    assert.ok(!(await isVisible(page, "#auth-error")), "no stale error after signing out");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("HTML in a name is shown as text, never run", async () => {
    const { context, page } = await newVisitor();
    const dialogs = [];
    context.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); });
    const noMarkupRendered = async (p, expectedName) => {
      await waitForText(p, "#user-name", expectedName);
      assert.equal(await p.locator("main img, main b, main script").count(), 0, "no markup became elements");
      assert.equal(await p.inputValue("#rename-form [name=name]"), expectedName);
    };

    const markup = "<img src=x onerror=alert(1)>";
    await register(page, { name: markup, email: uniqueEmail("mallory") });
    await noMarkupRendered(page, markup);
    assert.equal(await page.innerHTML("#user-name"), "&lt;img src=x onerror=alert(1)&gt;");

    // A rename arrives in a second tab over the WebSocket: also rendered as text.
    await waitUntilOnline(page);
    const second = await openPage(context);
    await waitForText(second, "#user-name", markup);
    await waitUntilOnline(second);
    const renamed = "<b>bold</b><script>alert(2)</script>";
    await rename(page, renamed);
    await noMarkupRendered(page, renamed);
    await noMarkupRendered(second, renamed);

    assert.deepEqual(dialogs, [], "no script ran");
    assert.deepEqual(page.scriptErrors, []);
    assert.deepEqual(second.scriptErrors, []);
  });
});
