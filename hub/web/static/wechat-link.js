/**
 * Connecting a WeChat to a client profile, in WeChat's browser. The link token is an
 * HttpOnly cookie this script never sees; it only asks the hub where the link stands,
 * sends the e-mail address, then the code. A failed WeChat sign-in arrives as
 * #error=CODE: only a code, turned into words here, so a crafted URL cannot make this
 * page say anything of its own. All text goes through textContent.
 */
import { showText } from "./shared/dom.js";

const SIGN_IN_ERRORS = {
  invalid_state: "This sign-in did not start here. Open the link again from the WeChat chat, in WeChat.",
  state_expired: "This sign-in took too long. Open the link again from the WeChat chat.",
  invalid_oauth_code: "WeChat did not accept this sign-in. Open the link again from the WeChat chat.",
  wechat_unavailable: "WeChat is not answering right now. Please try again in a few minutes.",
  unknown_account: "This link is not valid. Ask your ambassador for a new one.",
  not_found: "This link is not valid. Ask your ambassador for a new one.",
  rate_limited: "Too many attempts from this connection. Wait a minute, then open the link again.",
};
const GENERIC = "Something went wrong. Open the link again from the WeChat chat.";
const OFFLINE = "We could not reach Concierge. Check your connection and try again.";
const DONE = "Your WeChat is now connected to your profile. You can close this page and continue in the chat.";
// The link can no longer be used: nothing on this page will work any more.
const DEAD = new Set(["no_link", "link_expired", "too_many_attempts"]);

const loading = document.getElementById("link-loading");
const intro = document.getElementById("link-intro");
const emailForm = document.getElementById("email-form");
const emailInput = document.getElementById("email-input");
const emailSend = document.getElementById("email-send");
const codeForm = document.getElementById("code-form");
const codeSent = document.getElementById("code-sent");
const codeInput = document.getElementById("code-input");
const codeConfirm = document.getElementById("code-confirm");
const codeResend = document.getElementById("code-resend");
const codeChange = document.getElementById("code-change");
const statusLine = document.getElementById("link-status");
const errorLine = document.getElementById("link-error");

let currentEmail = "";
let resendTimer = null;

/** One JSON call; { ok, status, data }, with status 0 when the hub could not be reached. */
async function call(method, path, body) {
  const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, options);
    const data = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, data };
  } catch (_err) {
    return { ok: false, status: 0, data: null };
  }
}

function errorOf(result) {
  const error = result.data && result.data.error;
  return { code: (error && error.code) || "", message: (error && error.message) || "" };
}

function showError(message) {
  showText(statusLine, "");
  showText(errorLine, message);
}

function stop(message) {
  emailForm.hidden = true;
  codeForm.hidden = true;
  showError(message);
}

function showDone() {
  emailForm.hidden = true;
  codeForm.hidden = true;
  intro.hidden = true;
  showText(errorLine, "");
  showText(statusLine, DONE);
}

function showEmail() {
  codeForm.hidden = true;
  emailForm.hidden = false;
  emailSend.disabled = false;
  if (currentEmail && !emailInput.value) emailInput.value = currentEmail;
  emailInput.focus();
}

/** The hub says how many seconds remain (not when: this phone's clock may be off). */
function allowResendIn(seconds) {
  if (resendTimer !== null) clearTimeout(resendTimer);
  const wait = Math.min(60, Math.max(0, Number(seconds) || 0)) * 1000;
  codeResend.disabled = wait > 0;
  if (wait > 0) {
    resendTimer = setTimeout(() => {
      codeResend.disabled = false;
      resendTimer = null;
    }, wait);
  }
}

function showCode(email, resendIn) {
  currentEmail = email || currentEmail;
  emailForm.hidden = true;
  codeForm.hidden = false;
  codeConfirm.disabled = false;
  showText(codeSent, `We sent a code to ${currentEmail}. It can take a minute to arrive.`);
  allowResendIn(resendIn);
  codeInput.focus();
}

/** What to show after a refused call: the hub's own words, or ours when it gave none. */
function refused(result) {
  if (result.status === 0) return showError(OFFLINE);
  const { code, message } = errorOf(result);
  if (code === "link_completed") return showDone();
  if (code === "too_many_codes") codeResend.hidden = true; // the last code still works
  if (DEAD.has(code)) return stop(message || GENERIC);
  showError(message || `Something went wrong (${result.status}). Please try again.`);
}

async function sendCode(email) {
  showText(errorLine, "");
  showText(statusLine, "Sending the code\u2026");
  emailSend.disabled = true;
  codeResend.disabled = true;
  const result = await call("POST", "/api/wechat-link/code", { email });
  emailSend.disabled = false;
  showText(statusLine, "");
  if (result.ok && result.data) {
    codeInput.value = "";
    showCode(result.data.email, result.data.resend_in_seconds);
    if (result.data.codes_left === 0) codeResend.hidden = true;
    return;
  }
  if (!codeForm.hidden) codeResend.disabled = false;
  refused(result);
}

async function confirmCode(code) {
  showText(errorLine, "");
  showText(statusLine, "Connecting\u2026");
  codeConfirm.disabled = true;
  const result = await call("POST", "/api/wechat-link/confirm", { code });
  codeConfirm.disabled = false;
  showText(statusLine, "");
  if (result.ok && result.data && result.data.connected) return showDone();
  codeInput.value = "";
  codeInput.focus();
  refused(result);
}

emailForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const email = emailInput.value.trim();
  if (!email) return showError("Enter your e-mail address.");
  sendCode(email);
});

codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = codeInput.value.replace(/\s+/g, "");
  if (!/^[0-9]{6}$/.test(code)) return showError("The code is the 6 digits from the e-mail.");
  confirmCode(code);
});

codeResend.addEventListener("click", () => sendCode(currentEmail));
codeChange.addEventListener("click", () => {
  showText(errorLine, "");
  emailInput.value = currentEmail;
  showEmail();
});

async function begin() {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
  const failed = fragment.get("error");
  if (failed) {
    loading.hidden = true;
    return stop(SIGN_IN_ERRORS[failed] || GENERIC);
  }
  const result = await call("GET", "/api/wechat-link");
  loading.hidden = true;
  if (!result.ok || !result.data) return refused(result);
  currentEmail = result.data.email || "";
  if (result.data.step === "done") return showDone();
  if (result.data.step === "code") return showCode(currentEmail, result.data.resend_in_seconds);
  showEmail();
}

begin();
