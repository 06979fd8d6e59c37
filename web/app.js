// The sign-in page: register or sign in, then a small home view showing the
// account, live activity pushed over the WebSocket, and account actions.
//
// Also the boilerplate every signed-in page shares (`signedInPage`): the other
// pages import it from here, so the sign-in page's wiring below only runs on
// the page that has the sign-in form.
import { api, connect, session } from "./api.js";
import { $, showError } from "./dom.js";

/** The #connection badge shows the live connection's state. */
function showConnection(state) {
  $("connection").dataset.state = state;
  $("connection").textContent = state;
}

/**
 * What a signed-in page needs around api(): `goHome` (close the page's live
 * connection, from `connection()`, and go to the sign-in page), `call` (api()
 * that signs out and goes home on a 401, then rethrows), `showBanner` (the
 * page's #banner shows the message; null hides it), and `onState` (for
 * connect(): "signed-out" forgets the token and goes home, any other state
 * shows in #connection).
 */
export function signedInPage({ connection = () => null } = {}) {
  function goHome() {
    connection()?.close();
    location.replace("/");
  }

  /** api() that sends the visitor to the sign-in page when the token is not (or no longer) valid. */
  async function call(method, path, body) {
    try {
      return await api(method, path, body);
    } catch (error) {
      if (error.status === 401) {
        session.token = null;
        goHome();
      }
      throw error;
    }
  }

  function showBanner(message) {
    $("banner").textContent = message ?? "";
    $("banner").hidden = !message;
  }

  function onState(next) {
    if (next === "signed-out") {
      session.token = null;
      return goHome();
    }
    showConnection(next);
    return undefined;
  }

  return { goHome, call, showBanner, onState };
}

// ---------------------------------------------------------------- the sign-in page

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
  showConnection(state);
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

function startSignInPage() {
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
}

if ($("auth-form")) startSignInPage();
