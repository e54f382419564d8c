/**
 * The landing page of a staff invitation link: the newcomer chooses a password and goes on
 * to the console, signed in. The token arrives in the URL fragment (never sent to a server
 * by the browser), is taken out of the address bar at once, and travels only in the body
 * of the two POSTs. The page speaks the console's language (the console's own choice: the
 * one picked there, else the browser's); every text goes through textContent.
 */
import { chooseLanguage, loadConsoleTexts } from "../console/language.js";
import { showText } from "../shared/dom.js";
import { applyLanguage, t, translatePage } from "../shared/i18n.js";
import { takeLinkToken } from "../shared/link-token.js";
import { accept, lookUp } from "./api.js";

const MIN_PASSWORD = 10;

const statusLine = document.getElementById("invite-status");
const errorLine = document.getElementById("invite-error");
const who = document.getElementById("invite-who");
const greeting = document.getElementById("invite-greeting");
const storesLine = document.getElementById("invite-stores");
const form = document.getElementById("invite-form");
const email = document.getElementById("invite-email");
const password = document.getElementById("invite-password");
const confirmation = document.getElementById("invite-confirm");
const hint = document.getElementById("invite-hint");
const submit = document.getElementById("invite-submit");

const token = takeLinkToken();

/** What a failed call means to the newcomer. */
function failure(status, data) {
  if (status === 0) return t("invite.unreachable");
  if (status === 404) return t("invite.invalid");
  if (status === 429) return t("invite.tooMany");
  if (status === 400 && data && data.error && data.error.field === "password") {
    return t("invite.tooShort", { count: MIN_PASSWORD });
  }
  return t("invite.failed", { status });
}

function greet(data) {
  showText(greeting, t("invite.greeting", { name: data.name }));
  const names = (data.stores || []).map((store) => store.name).join(", ");
  showText(storesLine, t("invite.stores", { stores: names }));
  who.hidden = false;
  email.value = data.email;
  showText(hint, t("invite.hint", { count: MIN_PASSWORD }));
  form.hidden = false;
  password.focus();
}

async function onSubmit(event) {
  event.preventDefault();
  showText(errorLine, "");
  if (password.value.length < MIN_PASSWORD) {
    showText(errorLine, t("invite.tooShort", { count: MIN_PASSWORD }));
    password.focus();
    return;
  }
  if (password.value !== confirmation.value) {
    showText(errorLine, t("invite.mismatch"));
    confirmation.focus();
    return;
  }
  submit.disabled = true;
  showText(statusLine, t("invite.submitting"));
  const { status, data } = await accept(token, password.value);
  if (status === 200) {
    password.value = "";
    confirmation.value = "";
    showText(statusLine, t("invite.done"));
    window.location.assign("/console");
    return;
  }
  showText(statusLine, "");
  showText(errorLine, failure(status, data));
  // A used or expired link will not work on a second press either.
  form.hidden = status === 404;
  submit.disabled = false;
}

await loadConsoleTexts(chooseLanguage());
applyLanguage(document.documentElement);
translatePage(document);
document.documentElement.classList.remove("i18n-pending");

if (!token) {
  showText(errorLine, t("invite.incomplete"));
} else {
  showText(statusLine, t("invite.checking"));
  const { status, data } = await lookUp(token);
  showText(statusLine, "");
  if (status === 200 && data) {
    greet(data);
    form.addEventListener("submit", onSubmit);
  } else {
    showText(errorLine, failure(status, data));
  }
}
