/**
 * Connecting a WeChat to a client profile, in WeChat's browser. The link token is an
 * HttpOnly cookie this script never sees; it only asks the hub where the link stands,
 * sends the e-mail address, then the code. A failed WeChat sign-in arrives as
 * #error=CODE: only a code, turned into words here, so a crafted URL cannot make this
 * page say anything of its own. All text goes through textContent.
 */
import { showText } from "./shared/dom.js";
import { t } from "./shared/i18n.js";
import { translateOwnPage } from "./shared/page-language.js";
import { getToken } from "./widget/storage.js";

/** The words for each code a failed sign-in comes back with (#error=CODE). */
const SIGN_IN_ERRORS = {
  invalid_state: () => t("wechatLink.error.invalidState"),
  state_expired: () => t("wechatLink.error.stateExpired"),
  invalid_oauth_code: () => t("wechatLink.error.invalidOauthCode"),
  wechat_unavailable: () => t("wechatLink.error.wechatUnavailable"),
  unknown_account: () => t("wechatLink.error.invalidLink"),
  not_found: () => t("wechatLink.error.invalidLink"),
  rate_limited: () => t("wechatLink.error.rateLimited"),
};
const generic = () => t("wechatLink.error.generic");
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
  showText(statusLine, t("wechatLink.done"));
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
  showText(codeSent, t("wechatLink.codeSent", { email: currentEmail }));
  allowResendIn(resendIn);
  codeInput.focus();
}

/** What to show after a refused call: the hub's own words, or ours when it gave none. */
function refused(result) {
  if (result.status === 0) return showError(t("common.unreachable"));
  const { code, message } = errorOf(result);
  if (code === "link_completed") return showDone();
  if (code === "too_many_codes") codeResend.hidden = true; // the last code still works
  if (DEAD.has(code)) return stop(message || generic());
  showError(message || t("wechatLink.failed", { status: result.status }));
}

async function sendCode(email) {
  showText(errorLine, "");
  showText(statusLine, t("wechatLink.sendingCode"));
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
  showText(statusLine, t("wechatLink.connecting"));
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
  if (!email) return showError(t("wechatLink.needEmail"));
  sendCode(email);
});

codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = codeInput.value.replace(/\s+/g, "");
  if (!/^[0-9]{6}$/.test(code)) return showError(t("wechatLink.needCode"));
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
  await translateOwnPage({ visitorToken: getToken() });
  const failed = fragment.get("error");
  if (failed) {
    loading.hidden = true;
    const words = Object.prototype.hasOwnProperty.call(SIGN_IN_ERRORS, failed) ? SIGN_IN_ERRORS[failed] : generic;
    return stop(words());
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
