// The web sign-in page, driven by a real headless Chromium against a real
// Debrief server (in-memory database). Each story uses a fresh browser context
// (its own localStorage) and a fresh account.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh)
//   DEBRIEF_BIN, CHROMIUM_PATH    see support.mjs

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  PASSWORD, registerInPage as register, uniqueEmail, useServer, waitForText, waitUntilOnline,
} from "./support.mjs";

const isVisible = (page, selector) => page.locator(selector).isVisible();
const storedToken = (page) => page.evaluate(() => localStorage.getItem("debrief.token"));

describe("the web sign-in page", () => {
  const h = useServer();

  /** A visitor with an empty browser profile, on the home page. */
  async function newVisitor() {
    const context = await h.newContext();
    return { context, page: await openPage(context) };
  }

  /** Opens the home page in the context; uncaught script errors fail the story. */
  const openPage = (context) => h.openPage(context, "/");

  async function signIn(page, { email, password }) {
    await page.fill("#auth-form [name=email]", email);
    await page.fill("#auth-form [name=password]", password);
    await page.click("#auth-submit");
  }

  async function rename(page, name) {
    await page.fill("#rename-form [name=name]", name);
    await page.click("#rename-form button[type=submit]");
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

    assert.deepEqual(context.dialogs, [], "no script ran");
    assert.deepEqual(page.scriptErrors, []);
    assert.deepEqual(second.scriptErrors, []);
  });
});
