// The sign-in page: register or sign in, then a small home view showing the
// account, live activity pushed over the WebSocket, and account actions.
import { api, connect, session } from "./api.js";

const $ = (id) => document.getElementById(id);
let mode = "login";
let live = null;

function show(section) {
  $("auth").hidden = section !== "auth";
  $("home").hidden = section !== "home";
  $("connection").hidden = section !== "home";
}

function setMode(next) {
  mode = next;
  $("tab-login").setAttribute("aria-selected", String(mode === "login"));
  $("tab-register").setAttribute("aria-selected", String(mode === "register"));
  $("name-field").hidden = mode !== "register";
  $("auth-submit").textContent = mode === "login" ? "Sign in" : "Create account";
  $("auth-form").password.autocomplete = mode === "login" ? "current-password" : "new-password";
  showError("auth-error", null);
}

function showError(id, message) {
  $(id).textContent = message ?? "";
  $(id).hidden = !message;
}

function renderUser(user) {
  $("user-name").textContent = user.name;
  $("user-email").textContent = user.email;
  $("rename-form").name.value = user.name;
}

function logEvent(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} — ${text}`;
  $("events").prepend(item);
}

function onFrame(frame) {
  if (frame.type === "account.updated") {
    renderUser(frame.user);
    logEvent(`Profile updated (event ${frame.seq})`);
  } else if (frame.type === "error") {
    logEvent(`Server error: ${frame.error.message}`);
  }
}

function onState(state) {
  if (state === "signed-out") return signOut();
  $("connection").dataset.state = state;
  $("connection").textContent = state;
}

async function enter() {
  try {
    renderUser(await api("GET", "/api/v1/me"));
  } catch (error) {
    if (error.status === 401) return signOut();
    showError("auth-error", error.message);
    return show("auth");
  }
  showError("auth-error", null);
  show("home");
  live?.close();
  live = connect({ onFrame, onState });
}

function signOut() {
  live?.close();
  live = null;
  session.token = null;
  localStorage.removeItem("debrief.last_seq");
  setMode("login");
  show("auth");
}

$("tab-login").addEventListener("click", () => setMode("login"));
$("tab-register").addEventListener("click", () => setMode("register"));

$("auth-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { email: form.email.value, password: form.password.value };
  if (mode === "register") body.name = form.name.value;
  $("auth-submit").disabled = true;
  try {
    const result = await api("POST", mode === "login" ? "/api/v1/auth/login" : "/api/v1/auth/register", body);
    session.token = result.token;
    form.password.value = "";
    await enter();
  } catch (error) {
    showError("auth-error", error.message);
  } finally {
    $("auth-submit").disabled = false;
  }
});

$("rename-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    renderUser(await api("PATCH", "/api/v1/me", { name: event.currentTarget.name.value }));
    showError("home-error", null);
  } catch (error) {
    showError("home-error", error.message);
  }
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/v1/auth/logout").catch(() => {});
  signOut();
});

$("delete-account").addEventListener("click", async () => {
  if (!confirm("Delete your account and everything in it? This cannot be undone.")) return;
  try {
    await api("DELETE", "/api/v1/me");
    signOut();
  } catch (error) {
    showError("home-error", error.message);
  }
});

setMode("login");
if (session.token) enter(); else show("auth");
