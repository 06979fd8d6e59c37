// The Career Interviewer chat page (/interview), driven by a real headless
// Chromium against a real Debrief server (in-memory database, no model
// configured, so the labelled rule-based interviewer answers, streamed word by
// word). Each story uses a fresh browser context and a fresh account. The
// Markdown parser's own stories (last) need neither server nor browser.
//
//   npm test                      (in tests/browser; needs scripts/install-browser-deps.sh)
//   DEBRIEF_BIN, CHROMIUM_PATH    see support.mjs

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import {
  HANG_GUARD_MS, parse, registerInPage, uniqueEmail, useServer, waitForText, waitUntilOffline,
  waitUntilOnline,
} from "./support.mjs";
import { parseInline, parseMarkdown } from "../../web/markdown.js";

const INTRO_MARK = "Career Interviewer";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a user message starting with this asks the fake model to answer, word for word. */
const REPLY_WITH = "Reply with:\n";

/**
 * A fake OpenAI-compatible endpoint that streams each reply in several pieces,
 * slowly enough to watch (and to cut the socket in the middle). While
 * `failing` is set it answers 500, as an endpoint that fell over would. A user
 * message holding REPLY_WITH is answered with what follows it, in
 * pieces of a few characters (so a `**` can arrive split in two).
 */
function startFakeModel({ firstPieceMs = 400, pieceMs = 150 } = {}) {
  const model = { failing: false, requests: 0 };
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = parse(body) ?? {};
    const last = [...(request.messages ?? [])].reverse().find((m) => m.role === "user");
    const said = typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
    if (!req.url.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error", param: null, code: null } }));
    }
    model.requests += 1;
    if (model.failing) {
      res.writeHead(500, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: "the fake model fell over", type: "server_error", param: null, code: null } }));
    }
    const chunk = (content, finish = null) => `data: ${JSON.stringify({
      id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: request.model ?? "fake",
      choices: [{ index: 0, delta: content === null ? {} : { role: "assistant", content }, finish_reason: finish, logprobs: null }],
    })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const echo = said.includes(REPLY_WITH) ? said.slice(said.indexOf(REPLY_WITH) + REPLY_WITH.length) : null;
    const pieces = echo !== null
      ? echo.match(/[\s\S]{1,3}/g) ?? []
      : ["Thanks, ", "that is ", `${said.length} characters. `, "What ", "was ", "your ", "own ", "part ", "in ", "it?"];
    await sleep(firstPieceMs);
    for (const piece of pieces) {
      if (res.destroyed) return undefined;
      res.write(chunk(piece));
      await sleep(echo !== null ? 40 : pieceMs);
    }
    res.write(chunk(null, "stop"));
    return res.end("data: [DONE]\n\n");
  });
  const address = new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}/v1`));
  });
  return Object.assign(model, { server, address });
}

/**
 * Puts the page's WebSocket through a relay the test controls: records frames
 * both ways, can cut the connection (as a network blip would), now or right
 * after the n-th reply piece reaches the page.
 */
async function relaySocket(page) {
  const relay = { sent: [], received: [], routes: [], cutAfterDeltas: null };
  relay.cut = async (route = relay.routes.at(-1)) => {
    if (!route || route.cut) return;
    route.cut = true;
    await Promise.allSettled([route.ws.close({ code: 4000, reason: "cut by the test" }), route.server.close()]);
  };
  await page.routeWebSocket(/\/ws\?/, (ws) => {
    const server = ws.connectToServer();
    const route = { ws, server, cut: false, deltas: 0 };
    relay.routes.push(route);
    ws.onMessage((message) => {
      if (route.cut) return;
      relay.sent.push(parse(message));
      server.send(message);
    });
    server.onMessage((message) => {
      if (route.cut) return;
      const frame = parse(message);
      relay.received.push(frame);
      ws.send(message);
      if (frame?.type === "chat.delta" && relay.cutAfterDeltas !== null && ++route.deltas >= relay.cutAfterDeltas) {
        relay.cutAfterDeltas = null;
        relay.cut(route);
      }
    });
  });
  return relay;
}

/** The messages the page shows, in order (the typing indicator left out). */
function shownMessages(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("#messages li.msg:not(.typing)")].map((li) => ({
      role: li.classList.contains("msg-user") ? "user" : "assistant",
      text: li.querySelector(".bubble").textContent,
      streaming: li.classList.contains("streaming"),
      pending: li.classList.contains("pending"),
      failed: li.classList.contains("failed"),
    })));
}

/**
 * Waits until `check(messages)` (run in the test, on what the page shows) is
 * true; fails with what the page showed last.
 */
async function waitForMessages(page, what, check) {
  const deadline = Date.now() + HANG_GUARD_MS;
  let last = [];
  while (Date.now() < deadline) {
    last = await shownMessages(page);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(`waited ${HANG_GUARD_MS} ms for ${what}; the page shows ${JSON.stringify(last, null, 1)}`);
}

/** A finished reply: an assistant message, not streaming, asking one question. */
const isFinishedReply = (m) => m?.role === "assistant" && !m.streaming && m.text.trim().endsWith("?");

/** The headings of "What I know about you", by kind (the order the panel lists them in). */
const KIND_HEADINGS = {
  role: "Roles", employer: "Employers", project: "Projects", challenge: "Challenges", action: "What you did",
  result: "Results", number: "Numbers", person: "People", skill: "Skills",
};
const PART_NAMES = { situation: "situation", task: "task", actions: "what you did", result: "result", reflection: "reflection" };

/** The plan line the panel should show for a StoryPlan. */
function expectedPlanLine(plan) {
  const told = plan.told.length ? plan.told.map((p) => PART_NAMES[p]).join(", ") : "nothing yet";
  return `Story ${plan.story}${plan.subject ? `: ${plan.subject}` : ""} — told: ${told}${plan.next ? `; next: ${PART_NAMES[plan.next]}` : ""}`;
}

/** What "What I know about you" lists: [{ heading, items: [text…] }] in order. */
function shownRecord(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("#record .record-group")].map((group) => ({
      heading: group.querySelector("h3").textContent,
      items: [...group.querySelectorAll("li.record-item .record-text")].map((t) => t.textContent),
    })));
}

/** The record's items grouped as the panel should show them. */
function groupedRecord(items) {
  return Object.keys(KIND_HEADINGS)
    .map((kind) => ({ heading: KIND_HEADINGS[kind], items: items.filter((i) => i.kind === kind).map((i) => i.text) }))
    .filter((group) => group.items.length > 0);
}

/** The panel's row of an item (by id). */
const recordRow = (page, id) => page.locator(`#record li.record-item[data-id="${id}"]`);

/**
 * The shared harness (support.mjs) plus what the chat stories need: the
 * interview page opened by default, optionally through a socket relay.
 */
function useInterviewServer(beforeStart) {
  const h = useServer(beforeStart);
  const openPage = h.openPage;
  h.openPage = (context, path = "/interview", { relay = false } = {}) =>
    openPage(context, path, { relay: relay ? relaySocket : null });

  /** Waits for the introduction of a fresh conversation. */
  h.waitForIntroduction = (page) => waitForMessages(page, "the introduction",
    (ms) => ms.length === 1 && ms[0].role === "assistant" && ms[0].text.includes(INTRO_MARK));

  h.say = async (page, text) => {
    await page.fill("#message-input", text);
    await page.press("#message-input", "Enter");
  };

  return h;
}

describe("the Career Interviewer page (rule-based interviewer)", () => {
  const h = useInterviewServer();

  test("a new user meets the interviewer, gets a streamed answer, and finds it all again after a reload", async () => {
    // Sign up in the UI and follow the link from the home view.
    const context = await h.newContext();
    const home = await h.openPage(context, "/");
    await registerInPage(home, { name: "Ada Lovelace", email: uniqueEmail("ada") });
    await home.click("a[href='/interview']");
    await home.waitForURL(`${h.baseUrl}/interview`);
    const page = home;

    const [intro] = await h.waitForIntroduction(page);
    await waitForText(page, "#answered-by", /^Answered by: .*rule-based/);
    await waitUntilOnline(page);
    assert.equal(await page.locator("#conversations li").count(), 1, "one conversation, opened");
    assert.equal(await page.getAttribute("#conversations li button[aria-current]", "aria-current"), "true");

    const said = "We shipped a new billing system last quarter and cut invoice errors by 30%.";
    await h.say(page, said);
    assert.equal(await page.inputValue("#message-input"), "", "the composer is cleared");
    await waitForMessages(page, "my message, shown at once", (ms) => ms[1]?.role === "user" && ms[1].text === said);

    const shown = await waitForMessages(page, "the finished reply", (ms) => ms.length === 3 && isFinishedReply(ms[2]));
    assert.deepEqual(shown.map((m) => m.role), ["assistant", "user", "assistant"]);
    assert.equal(shown[1].pending, false, "the message is stored");
    const reply = shown[2].text;

    // It arrived as several pieces, and the page shows exactly what was stored.
    const deltas = page.frames.filter((f) => f.type === "chat.delta");
    const done = page.frames.find((f) => f.type === "chat.done");
    assert.ok(deltas.length > 1, `the reply streamed in pieces (got ${deltas.length})`);
    assert.equal(done?.content, reply);
    assert.equal(deltas.map((d) => d.text).join(""), reply);
    assert.equal(await page.locator("#messages li.typing").count(), 0, "no typing indicator once answered");
    const outbox = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("debrief.outbox.")));
    assert.deepEqual(outbox, [], "nothing is left in the outbox");

    await page.reload();
    const history = await waitForMessages(page, "the history after a reload", (ms) => ms.length === 3);
    assert.deepEqual(
      history.map(({ role, text }) => ({ role, text })),
      [{ role: "assistant", text: intro.text }, { role: "user", text: said }, { role: "assistant", text: reply }],
    );
    await waitForText(page, "#answered-by", /rule-based/);
    assert.deepEqual(page.scriptErrors, []);
    assert.deepEqual(context.dialogs, []);
  });

  test("HTML in a message is shown as text, never run", async () => {
    const { token } = await h.newAccount("mallory");
    const context = await h.newContext(token);
    const page = await h.openPage(context);
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);

    const markup = `<img src=x onerror="alert(1)"><b>bold</b><script>alert(2)</script>`;
    await h.say(page, markup);
    await waitForMessages(page, "the markup as a message and its reply", (ms) => ms[1]?.text === markup && isFinishedReply(ms[2]));
    const noMarkup = async () => {
      assert.equal(await page.locator("#messages img, #messages b, #messages script").count(), 0, "no markup became elements");
      const html = await page.locator("#messages li.msg-user .bubble").first().innerHTML();
      assert.ok(html.startsWith("&lt;img src=x"), `escaped, not parsed: ${html}`);
    };
    await noMarkup();

    await page.reload();
    await waitForMessages(page, "the history after a reload", (ms) => ms.length === 3 && ms[1].text === markup);
    await noMarkup();
    assert.deepEqual(context.dialogs, [], "no script ran");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a message queued in the outbox is sent on connect, and never stored twice", async () => {
    const { token, user } = await h.newAccount("grace");
    const conversation = await h.rest("POST", "/api/v1/conversations", { token, body: {} });
    const queued = { client_id: randomUUID(), conversation_id: conversation.id, text: "I led the team that moved us to the cloud.", created_at: new Date().toISOString() };
    const context = await h.newContext(token);
    // As if typed while offline, before a reload.
    await context.addInitScript(([key, entry]) => {
      try {
        if (location.pathname === "/interview" && !sessionStorage.getItem("seeded")) {
          localStorage.setItem(key, JSON.stringify([entry]));
          sessionStorage.setItem("seeded", "1");
        }
      } catch { /* about:blank has no storage */ }
    }, [`debrief.outbox.${user.id}`, queued]);
    const page = await h.openPage(context);
    const first = await waitForMessages(page, "the queued message sent and answered", (ms) => ms.length === 3 && ms[1].text === queued.text && isFinishedReply(ms[2]));
    // Frames are recorded asynchronously, so the ack may be noted just after the DOM shows the reply.
    const acked = () => page.frames.some((f) => f.type === "chat.ack" && f.client_id === queued.client_id);
    for (const deadline = Date.now() + HANG_GUARD_MS; !acked() && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(acked(), "acknowledged");
    await page.waitForFunction(
      ([key]) => localStorage.getItem(key) === null, [`debrief.outbox.${user.id}`], { timeout: HANG_GUARD_MS },
    );

    // The same client_id again (an ack that got lost): no second message, no second reply.
    await page.evaluate(([key, entry]) => localStorage.setItem(key, JSON.stringify([entry])), [`debrief.outbox.${user.id}`, queued]);
    await page.reload();
    await waitForMessages(page, "the history", (ms) => ms.length === 3);
    await page.waitForFunction(
      ([key]) => localStorage.getItem(key) === null, [`debrief.outbox.${user.id}`], { timeout: HANG_GUARD_MS },
    );
    const stored = await h.rest("GET", `/api/v1/conversations/${conversation.id}/messages`, { token });
    assert.deepEqual(stored.items.map((m) => m.role), ["assistant", "user", "assistant"], "stored once");
    assert.equal(stored.items[2].content, first[2].text);
    const shown = await shownMessages(page);
    assert.deepEqual(shown.map((m) => m.text), stored.items.map((m) => m.content));
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a message typed while offline waits in the outbox and goes out on reconnect", async () => {
    const { token, user } = await h.newAccount("katherine");
    const context = await h.newContext(token);
    const page = await h.openPage(context, "/interview", { relay: true });
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);

    // The network goes away: the socket drops and cannot come back yet.
    await page.route("**/api/v1/ws-ticket", (route) => route.abort("internetdisconnected"));
    await page.relay.cut();
    await waitUntilOffline(page);

    const said = "I learned Kubernetes on the job when our team moved off VMs.";
    await h.say(page, said);
    await waitForMessages(page, "my message, queued", (ms) => ms[1]?.text === said && ms[1].pending);
    assert.match(await page.locator("#messages li.pending .msg-meta").textContent(), /waiting for the connection/i);
    const queued = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? "[]"), `debrief.outbox.${user.id}`);
    assert.deepEqual(queued.map((e) => e.text), [said], "kept in the outbox");
    assert.ok(!page.relay.sent.some((f) => f?.type === "chat.send"), "nothing was sent while offline");

    // Back online: it goes out by itself, once, and is answered.
    await page.unroute("**/api/v1/ws-ticket");
    await waitUntilOnline(page);
    const shown = await waitForMessages(page, "the reply", (ms) => ms.length === 3 && !ms[1].pending && isFinishedReply(ms[2]));
    assert.equal(shown[1].text, said);
    const sends = page.relay.sent.filter((f) => f?.type === "chat.send");
    assert.deepEqual(sends.map((f) => f.client_id), [queued[0].client_id], "sent once, with the queued client_id");
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), `debrief.outbox.${user.id}`), null, "the ack emptied the outbox");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a second tab shows what the first one says, live", async () => {
    const { token } = await h.newAccount("alan");
    const context = await h.newContext(token);
    const first = await h.openPage(context);
    await h.waitForIntroduction(first);
    await waitUntilOnline(first);
    const second = await h.openPage(context);
    await h.waitForIntroduction(second);
    await waitUntilOnline(second);

    const said = "I mentored two new engineers this year.";
    await h.say(first, said);
    const inFirst = await waitForMessages(first, "the reply in the first tab", (ms) => ms.length === 3 && isFinishedReply(ms[2]));
    const inSecond = await waitForMessages(second, "the message and reply in the second tab", (ms) => ms.length === 3 && isFinishedReply(ms[2]));
    assert.deepEqual(inSecond.map((m) => m.text), inFirst.map((m) => m.text), "the same conversation, once each");
    assert.equal(inSecond[1].text, said);
    assert.deepEqual(first.scriptErrors, []);
    assert.deepEqual(second.scriptErrors, []);
  });

  test("conversations: start a new one, delete one after confirming", async () => {
    const { token } = await h.newAccount("barbara");
    const context = await h.newContext(token);
    const page = await h.openPage(context);
    await h.waitForIntroduction(page);
    await page.locator("#conversations li").first().waitFor();
    assert.equal(await page.locator("#conversations li").count(), 1);

    await page.click("#new-conversation");
    await page.waitForFunction(() => document.querySelectorAll("#conversations li").length === 2, null, { timeout: HANG_GUARD_MS });
    await h.waitForIntroduction(page);
    const list = await h.rest("GET", "/api/v1/conversations", { token });
    assert.equal(list.items.length, 2);
    assert.equal(await page.getAttribute("#conversations li:first-child", "data-id"), list.items[0].id, "newest first, and open");
    assert.equal(await page.getAttribute("#conversations li:first-child button[data-action=open]", "aria-current"), "true");

    // Declining the confirmation keeps it.
    await page.click("#conversations li:first-child button[data-action=delete]");
    assert.equal(context.dialogs.length, 1, "asked to confirm");
    assert.match(context.dialogs[0], /Delete/);
    assert.equal(await page.locator("#conversations li").count(), 2);
    context.dialogAnswers.push("accept");
    await page.click("#conversations li:first-child button[data-action=delete]");
    await page.waitForFunction(() => document.querySelectorAll("#conversations li").length === 1, null, { timeout: HANG_GUARD_MS });
    const left = await h.rest("GET", "/api/v1/conversations", { token });
    assert.deepEqual(left.items.map((c) => c.id), [list.items[1].id]);
    await h.waitForIntroduction(page);
    assert.equal(await page.getAttribute("#conversations li:first-child button[data-action=open]", "aria-current"), "true", "the remaining one is open");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("on a phone the conversation list folds away above the chat", async () => {
    const { token } = await h.newAccount("hedy");
    const context = await h.newContext(token);
    const page = await context.newPage();
    const scriptErrors = [];
    page.on("pageerror", (error) => scriptErrors.push(error.message));
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${h.baseUrl}/interview`);
    await h.waitForIntroduction(page);
    assert.ok(await page.isVisible("#toggle-conversations"));
    assert.ok(!(await page.isVisible("#conversations")), "the list is folded");
    const toggle = await page.locator("#toggle-conversations").boundingBox();
    const composer = await page.locator("#message-input").boundingBox();
    assert.ok(toggle.y < composer.y, "the list sits above the chat");
    assert.ok(composer.x + composer.width <= 390, "nothing overflows the screen");
    await page.click("#toggle-conversations");
    assert.ok(await page.isVisible("#conversations"), "the list unfolds");
    assert.deepEqual(scriptErrors, []);
  });

  test("what the interviewer learned shows in “What I know about you”, where the user corrects and deletes it", async () => {
    const { token } = await h.newAccount("frances");
    const context = await h.newContext(token);
    const page = await h.openPage(context);
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);

    // Nothing is known yet.
    await page.click("#record-toggle");
    await page.locator("#record").waitFor();
    assert.equal(await page.getAttribute("#record-toggle", "aria-expanded"), "true");
    await waitForText(page, "#record-empty", "Nothing yet: tell the interviewer about your work and it will appear here.");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "record", "the panel takes the focus");
    assert.equal(await page.getAttribute("#record", "aria-labelledby"), "record-title");

    // Talking with the panel open: it fills in once the reply is stored.
    await h.say(page, "I'm a senior backend engineer at Acme. I led the migration of our billing system to a new platform and cut invoice errors by 30%.");
    await waitForMessages(page, "the reply", (ms) => ms.length === 3 && isFinishedReply(ms[2]));
    await page.locator("#record li.record-item").first().waitFor();
    const learned = await h.rest("GET", "/api/v1/career", { token });
    assert.ok(learned.items.length >= 2, `facts were taken from the message: ${JSON.stringify(learned.items)}`);
    await page.waitForFunction((n) => document.querySelectorAll("#record li.record-item").length === n, learned.items.length, { timeout: HANG_GUARD_MS });
    assert.deepEqual(await shownRecord(page), groupedRecord(learned.items), "grouped by kind, with human headings");
    assert.ok(await page.isHidden("#record-empty"));
    await waitForText(page, "#record-plan", expectedPlanLine(learned.plan));

    // Correct one: Escape leaves it as it was (and the panel open), Enter saves.
    const [first, second] = learned.items;
    await recordRow(page, first.id).locator("button[data-action=edit]").click();
    const input = recordRow(page, first.id).locator("input");
    assert.equal(await input.inputValue(), first.text);
    await input.fill("something else entirely");
    await input.press("Escape");
    await waitForText(page, `#record li.record-item[data-id="${first.id}"] .record-text`, first.text);
    assert.ok(await page.isVisible("#record"), "Escape in the edit does not close the panel");

    // Blank text is refused with the server's own message.
    await recordRow(page, first.id).locator("button[data-action=edit]").click();
    await input.fill("   ");
    await input.press("Enter");
    const refused = await fetch(`${h.baseUrl}/api/v1/career/items/${first.id}`, {
      method: "PATCH", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify({ text: "   " }),
    });
    assert.equal(refused.status, 422);
    const { error } = await refused.json();
    const problem = recordRow(page, first.id).locator(".record-edit-error");
    await problem.waitFor();
    const said = (await problem.textContent()).toLowerCase();
    assert.ok(said.includes(error.message.toLowerCase().replace(/\.$/, "")), `shows “${error.message}”: ${said}`);
    assert.equal(await input.inputValue(), "   ", "the edit stays open to fix it");

    const corrected = "Staff engineer, platform team";
    await input.fill(corrected);
    await input.press("Enter");
    await waitForText(page, `#record li.record-item[data-id="${first.id}"] .record-text`, corrected);

    // Delete another, after confirming (declining keeps it).
    const doomed = recordRow(page, second.id).locator("button[data-action=delete]");
    await doomed.click();
    assert.equal(context.dialogs.length, 1, "asked to confirm");
    assert.ok(context.dialogs[0].includes(second.text), context.dialogs[0]);
    assert.equal(await recordRow(page, second.id).count(), 1, "declined: still there");
    context.dialogAnswers.push("accept");
    await doomed.click();
    await page.waitForFunction(
      (id) => !document.querySelector(`#record li.record-item[data-id="${id}"]`) || !document.querySelector("#record-error").hidden,
      second.id, { timeout: HANG_GUARD_MS },
    );
    assert.ok(await page.isHidden("#record-error"), `deleted without an error: ${await page.textContent("#record-error")}`);
    assert.equal(await recordRow(page, second.id).count(), 0, "gone from the panel");

    // Both stick: the server has them, and so does the page after a reload.
    const after = await h.rest("GET", "/api/v1/career", { token });
    const stored = after.items.find((i) => i.id === first.id);
    assert.equal(stored.text, corrected);
    assert.equal(stored.edited, true);
    assert.ok(!after.items.some((i) => i.id === second.id), "deleted for good");
    await page.reload();
    await waitForMessages(page, "the history", (ms) => ms.length === 3);
    await page.click("#record-toggle");
    await page.locator(`#record li.record-item[data-id="${first.id}"]`).waitFor();
    assert.deepEqual(await shownRecord(page), groupedRecord(after.items));
    assert.equal(await recordRow(page, second.id).count(), 0);

    // Escape closes the panel and gives the focus back to its button.
    await page.keyboard.press("Escape");
    await page.locator("#record").waitFor({ state: "hidden" });
    assert.equal(await page.getAttribute("#record-toggle", "aria-expanded"), "false");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "record-toggle");
    assert.deepEqual(page.scriptErrors, []);
  });

  test("on a phone the header is the other pages' header, on one row", async () => {
    const { token } = await h.newAccount("annie");
    const context = await h.newContext(token);
    const page = await context.newPage();
    const scriptErrors = [];
    page.on("pageerror", (error) => scriptErrors.push(error.message));
    await page.setViewportSize({ width: 390, height: 800 });
    /** The header's parts: what they are and where they sit. */
    const header = () => page.evaluate(() => {
      const bar = document.querySelector("header.bar");
      const box = (node) => { const r = node.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; };
      return {
        markup: [...bar.children].map((c) => `${c.tagName.toLowerCase()}.${c.className}`),
        links: [...bar.querySelectorAll("nav.bar-nav a")].map((a) => a.getAttribute("href")),
        label: bar.querySelector("nav").getAttribute("aria-label"),
        current: bar.querySelector("nav a[aria-current=page]")?.getAttribute("href") ?? null,
        bar: box(bar),
        nav: box(bar.querySelector("nav")),
        parts: [...bar.children].map(box),
        linkBoxes: [...bar.querySelectorAll("nav.bar-nav a")].map(box),
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth,
      };
    });

    await page.goto(`${h.baseUrl}/uploads`);
    await page.locator("header.bar").waitFor();
    const other = await header();
    await page.goto(`${h.baseUrl}/interview`);
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);
    const shown = await header();

    assert.deepEqual(shown.markup, other.markup, "the same parts as on the recordings page");
    assert.deepEqual(shown.links, other.links, "the same page links");
    assert.equal(shown.label, other.label);
    assert.equal(shown.current, "/interview");
    assert.ok(shown.scrollWidth <= shown.innerWidth, `no sideways scrolling (${shown.scrollWidth} > ${shown.innerWidth})`);
    const tallest = Math.max(...shown.parts.map((p) => p.bottom - p.top));
    assert.ok(shown.bar.bottom - shown.bar.top < 2 * tallest, `one row high (${shown.bar.bottom - shown.bar.top} px)`);
    const lowestTop = Math.max(...shown.parts.map((p) => p.top));
    const highestBottom = Math.min(...shown.parts.map((p) => p.bottom));
    assert.ok(lowestTop < highestBottom, `brand, links and connection side by side: ${JSON.stringify(shown.parts)}`);
    for (const part of shown.parts) assert.ok(part.left >= 0 && part.right <= shown.innerWidth, `inside the screen: ${JSON.stringify(part)}`);
    for (const link of shown.linkBoxes) assert.ok(link.right <= shown.nav.right + 0.5, `every link shows whole: ${JSON.stringify(shown.linkBoxes)}`);

    // The panel opens over the chat, on the screen.
    await page.click("#record-toggle");
    await page.locator("#record").waitFor();
    const panel = await page.locator("#record").boundingBox();
    assert.ok(panel.x >= 0 && panel.x + panel.width <= 390, "the panel fits the screen");
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
    await page.click("#record-close");
    await page.locator("#record").waitFor({ state: "hidden" });
    assert.deepEqual(scriptErrors, []);
  });

  test("without a token the page sends the visitor to sign in", async () => {
    const context = await h.newContext();
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/interview`);
    await page.waitForURL(`${h.baseUrl}/`);
    await page.locator("#auth").waitFor();

    const stale = await h.newContext("not-a-valid-token");
    const other = await stale.newPage();
    await other.goto(`${h.baseUrl}/interview`);
    await other.waitForURL(`${h.baseUrl}/`);
    await other.locator("#auth").waitFor();
    // The sign-in page finds the token stale too and forgets it.
    await other.waitForFunction(() => localStorage.getItem("debrief.token") === null, null, { timeout: HANG_GUARD_MS });
  });
});

describe("the Career Interviewer page (a streaming model)", () => {
  let model;
  const h = useInterviewServer(async () => {
    model = startFakeModel();
    return {
      DEBRIEF_LLM__BASE_URL: await model.address,
      DEBRIEF_LLM__API_KEY: "test-key",
      DEBRIEF_LLM__MODEL: "fake-interviewer",
      DEBRIEF_LLM__MAX_RETRIES: "0",
    };
  });
  after(() => new Promise((resolve) => {
    model?.server.closeAllConnections?.();
    model?.server.close(() => resolve());
  }));

  test("the reply streams in after a typing indicator; a failed reply can be retried", async () => {
    const { token } = await h.newAccount("margaret");
    const context = await h.newContext(token);
    const page = await h.openPage(context);
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);
    await waitForText(page, "#answered-by", /^Answered by: fake-interviewer at http/);

    const said = "We rebuilt the search service.";
    await h.say(page, said);
    await page.locator("#messages li.typing").waitFor();
    const partial = await waitForMessages(page, "a reply streaming in", (ms) => ms[2]?.streaming && ms[2].text.length > 0);
    assert.ok(!partial[2].text.endsWith("?"), `still streaming: ${partial[2].text}`);
    assert.equal(await page.locator("#messages li.typing").count(), 0, "the typing indicator gives way to the text");
    const done = await waitForMessages(page, "the finished reply", (ms) => ms.length === 3 && isFinishedReply(ms[2]));
    assert.equal(done[2].text, `Thanks, that is ${said.length} characters. What was your own part in it?`);

    // The model fails: the error shows at the message, with a Retry that works.
    model.failing = true;
    const risky = "Then we migrated the index to a new cluster.";
    await h.say(page, risky);
    await page.locator("#messages li.failed").waitFor();
    const failed = page.locator("#messages li.failed");
    assert.equal(await failed.locator(".bubble").textContent(), risky);
    assert.match(await failed.locator(".msg-error-text").textContent(), /unavailable/i);
    assert.equal(await page.locator("#messages li.typing").count(), 0, "no typing indicator after a failure");
    model.failing = false;
    await failed.locator("button[data-action=retry]").click();
    const retried = await waitForMessages(page, "the retried reply", (ms) => ms.length === 5 && isFinishedReply(ms[4]));
    assert.equal(retried[3].text, risky);
    assert.ok(!retried[3].failed, "the error is gone");
    const conversations = await h.rest("GET", "/api/v1/conversations", { token });
    const stored = await h.rest("GET", `/api/v1/conversations/${conversations.items[0].id}/messages`, { token });
    assert.deepEqual(stored.items.map((m) => m.role), ["assistant", "user", "assistant", "user", "assistant"], "the retried message is stored once");
    assert.deepEqual(stored.items.map((m) => m.content), retried.map((m) => m.text));
    assert.deepEqual(page.scriptErrors, []);
  });

  test("a reply cut off by a dropped connection is resumed where it stopped", async () => {
    const { token } = await h.newAccount("radia");
    const context = await h.newContext(token);
    const page = await h.openPage(context, "/interview", { relay: true });
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);

    page.relay.cutAfterDeltas = 3;
    const said = "I designed the spanning tree protocol.";
    await h.say(page, said);
    await waitUntilOffline(page);
    const cut = await shownMessages(page);
    const firstPieces = `Thanks, that is ${said.length} characters. `;
    assert.ok(cut[2]?.text.startsWith(firstPieces), `the first pieces were shown: ${JSON.stringify(cut)}`);

    await waitUntilOnline(page);
    const shown = await waitForMessages(page, "the resumed reply", (ms) => ms.length === 3 && isFinishedReply(ms[2]));
    const resume = page.relay.sent.find((f) => f?.type === "chat.resume");
    assert.ok(resume, "the page asked to resume");
    assert.equal(resume.from_seq, 4, "from the piece after the last one it had");
    assert.equal(shown[2].text, `Thanks, that is ${said.length} characters. What was your own part in it?`);
    assert.equal(page.relay.sent.filter((f) => f?.type === "chat.send").length, 1, "the message was not sent again");

    await page.reload();
    const history = await waitForMessages(page, "the history", (ms) => ms.length === 3);
    assert.deepEqual(history.map((m) => m.text), shown.map((m) => m.text));
    assert.deepEqual(page.scriptErrors, []);
  });

  test("the interviewer's reply shows bold, italics and lists as it streams in, and markup in it as text", async () => {
    const { token } = await h.newAccount("ida");
    const context = await h.newContext(token);
    const page = await h.openPage(context);
    await h.waitForIntroduction(page);
    await waitUntilOnline(page);
    // Every state the streaming reply's bubble goes through.
    await page.evaluate(() => {
      window.bubbleStates = [];
      new MutationObserver(() => {
        const bubble = document.querySelector("#messages li.streaming .bubble");
        if (bubble) window.bubbleStates.push({ text: bubble.textContent, strong: bubble.querySelectorAll("strong").length });
      }).observe(document.querySelector("#messages"), { childList: true, subtree: true, characterData: true });
    });

    const reply = [
      "**Great** work, _really_.",
      "- you led the *migration*",
      "- you wrote `deploy.sh`",
      "1. first",
      "2. second",
      `<img src=x onerror="alert(1)"> see [the guide](https://example.com/guide) or [this](javascript:alert(2))`,
    ].join("\n");
    const said = `${REPLY_WITH}${reply}`;
    await h.say(page, said);
    const shown = await waitForMessages(page, "the reply", (ms) => ms.length === 3 && ms[2].role === "assistant" && !ms[2].streaming);

    const bubble = page.locator("#messages li.msg-assistant .bubble").last();
    const structure = await bubble.evaluate((b) => ({
      strong: [...b.querySelectorAll("strong")].map((n) => n.textContent),
      em: [...b.querySelectorAll("em")].map((n) => n.textContent),
      code: [...b.querySelectorAll("code")].map((n) => n.textContent),
      bullets: [...b.querySelectorAll("ul > li")].map((n) => n.textContent),
      numbered: [...b.querySelectorAll("ol > li")].map((n) => n.textContent),
      links: [...b.querySelectorAll("a")].map((a) => ({ text: a.textContent, href: a.getAttribute("href"), rel: a.rel, target: a.target })),
      images: b.querySelectorAll("img, script").length,
    }));
    assert.deepEqual(structure, {
      strong: ["Great"],
      em: ["really", "migration"],
      code: ["deploy.sh"],
      bullets: ["you led the migration", "you wrote deploy.sh"],
      numbered: ["first", "second"],
      links: [{ text: "the guide", href: "https://example.com/guide", rel: "noopener noreferrer", target: "_blank" }],
      images: 0,
    });
    assert.ok(shown[2].text.includes(`<img src=x onerror="alert(1)">`), `the markup shows as text: ${shown[2].text}`);
    assert.ok(shown[2].text.includes("[this](javascript:alert(2))"), "a link that is not http(s) stays text");
    assert.ok(!shown[2].text.includes("**"), "no stars left once the bold is closed");

    // While streaming, a bold not closed yet shows its stars, and the text grew piece by piece.
    const states = await page.evaluate(() => window.bubbleStates);
    assert.ok(states.length > 5, `rendered progressively (${states.length} states)`);
    assert.ok(states.some((st) => st.text.startsWith("**Gr") && st.strong === 0), "an open ** is text until it closes");
    assert.ok(states.some((st) => st.text.startsWith("Great") && st.strong === 1), "then it becomes bold");

    // What the user typed stays exactly as typed.
    const mine = page.locator("#messages li.msg-user .bubble").last();
    assert.equal(await mine.textContent(), said);
    assert.equal(await mine.evaluate((b) => b.children.length), 0, "no elements in the user's message");

    // The same after a reload, from the history.
    await page.reload();
    await waitForMessages(page, "the history", (ms) => ms.length === 3);
    assert.deepEqual(await page.locator("#messages li.msg-assistant .bubble").last().evaluate((b) => [...b.querySelectorAll("strong, em, code, li, a")].map((n) => n.tagName)),
      ["STRONG", "EM", "LI", "EM", "LI", "CODE", "LI", "LI", "A"]);
    assert.equal(await page.locator("#messages img").count(), 0);
    assert.deepEqual(context.dialogs, [], "no script ran");
    assert.deepEqual(page.scriptErrors, []);
  });
});

describe("markdown in the interviewer's replies (the parser alone)", () => {
  const text = (nodes) => nodes.map((n) => (n.type === "text" || n.type === "code" ? n.text : text(n.children))).join("");

  test("bold, italics, code and http(s) links become nodes; everything else stays text", () => {
    assert.deepEqual(parseInline("**bold** and *it* and _it_ and `x*y*`"), [
      { type: "strong", children: [{ type: "text", text: "bold" }] },
      { type: "text", text: " and " },
      { type: "em", children: [{ type: "text", text: "it" }] },
      { type: "text", text: " and " },
      { type: "em", children: [{ type: "text", text: "it" }] },
      { type: "text", text: " and " },
      { type: "code", text: "x*y*" },
    ]);
    assert.deepEqual(parseInline("[a](https://example.com) [b](javascript:alert(1)) [c](data:text/html,x)"), [
      { type: "link", href: "https://example.com/", children: [{ type: "text", text: "a" }] },
      { type: "text", text: " [b](javascript:alert(1)) [c](data:text/html,x)" },
    ]);
    for (const plain of ["<img src=x onerror=alert(1)>", "snake_case_name", "2 * 3 * 4", "a ** b"]) {
      assert.deepEqual(parseInline(plain), [{ type: "text", text: plain }], plain);
    }
  });

  test("an unfinished mark of a streaming reply is text until it closes", () => {
    for (const partial of ["**bol", "**bold*", "*ital", "`cod", "[link](https://exa"]) {
      assert.equal(text(parseInline(partial)), partial, partial);
      assert.ok(parseInline(partial).every((n) => n.type === "text"), partial);
    }
  });

  test("lines, bullet lists and numbered lists", () => {
    const blocks = parseMarkdown("Two lines\nof text\n\n- one\n- two\n  more\n\n3. three\n4. four");
    assert.deepEqual(blocks.map((b) => b.type), ["p", "ul", "ol"]);
    assert.deepEqual(blocks[0].lines.map(text), ["Two lines", "of text"]);
    assert.deepEqual(blocks[1].items.map((lines) => lines.map(text)), [["one"], ["two", "more"]]);
    assert.equal(blocks[2].start, 3);
  });
});
