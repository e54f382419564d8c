/**
 * The shopper's details (book.html's #details-form): name, e-mail and/or phone, and
 * reminders by a chosen channel only with the box ticked. Problems show beside their field
 * (aria-invalid + aria-describedby) whether found here or named by the hub's 400.
 * What is typed stays in the form through a refused time or a lapsed hold.
 */
import { showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const byId = (id) => document.getElementById(id);

const form = byId("details-form");
const submit = byId("book-submit");
const consentBox = byId("book-consent");
const consentLabel = byId("book-consent-label");
const consentRow = byId("book-consent-row");
const formProblem = byId("book-form-problem");

/** Where each problem is shown, by the name the hub gives its field. */
const CONTROLS = {
  name: { input: byId("book-name"), error: byId("book-name-error") },
  email: { input: byId("book-email"), error: byId("book-email-error") },
  phone: { input: byId("book-phone"), error: byId("book-phone-error") },
  remind_by: { input: byId("book-remind-email"), error: byId("book-remind-error"), group: byId("book-remind") },
  consent_reminders: { input: consentBox, error: byId("book-consent-error") },
};
const HUB_FIELDS = {
  customer: "email",
  "customer.name": "name",
  "customer.email": "email",
  "customer.phone": "phone",
  remind_by: "remind_by",
  consent_reminders: "consent_reminders",
};

const value = (key) => CONTROLS[key].input.value.trim();
const remindChannel = () => (form.querySelector("input[name=remind_by]:checked") || {}).value || "none";

/** What the control is described by without an error (its hint, if any), read once. */
function describedBy(input) {
  if (!("hint" in input.dataset)) input.dataset.hint = input.getAttribute("aria-describedby") || "";
  return input.dataset.hint;
}

function setError(key, message) {
  const { input, error, group } = CONTROLS[key];
  const target = group || input;
  const hint = describedBy(target);
  showText(error, message);
  target.setAttribute("aria-invalid", "true");
  target.setAttribute("aria-describedby", [hint, error.id].filter(Boolean).join(" "));
}

function clearError(key) {
  const { input, error, group } = CONTROLS[key];
  const target = group || input;
  const hint = describedBy(target);
  showText(error, "");
  target.removeAttribute("aria-invalid");
  if (hint) target.setAttribute("aria-describedby", hint);
  else target.removeAttribute("aria-describedby");
}

export function clearErrors() {
  for (const key of Object.keys(CONTROLS)) clearError(key);
  showText(formProblem, "");
}

/** What kept the booking from going through (too many attempts, no connection), by the button. */
export function showFormProblem(text) {
  showText(formProblem, text);
}

/** The consent box belongs to the chosen channel; it is never ticked for the shopper. */
function syncConsent() {
  const channel = remindChannel();
  consentRow.hidden = channel === "none";
  if (channel === "none") consentBox.checked = false;
  else consentLabel.textContent = channel === "email" ? t("book.consentEmail") : t("book.consentPhone");
  clearError("consent_reminders");
  clearError("remind_by");
}

/** Problems the hub would refuse anyway, found before asking it: [[key, message]]. */
function problems() {
  const found = [];
  if (!value("name")) found.push(["name", t("common.needName")]);
  if (!value("email") && !value("phone")) found.push(["email", t("book.needContact")]);
  const channel = remindChannel();
  if (consentBox.checked && channel !== "none" && !value(channel)) {
    found.push([channel, channel === "email" ? t("book.needEmailForReminder") : t("book.needPhoneForReminder")]);
  }
  return found;
}

function focusFirstInvalid() {
  const first = Object.values(CONTROLS).find(({ error }) => !error.hidden);
  if (first) first.input.focus();
}

/** Shows the problems found; true when there were none. */
function check() {
  clearErrors();
  const found = problems();
  for (const [key, message] of found) {
    if (CONTROLS[key].error.hidden) setError(key, message);
  }
  focusFirstInvalid();
  return !found.length;
}

/** The hub named a field: shown beside it. False when the field is not on this form. */
export function showHubError(field, message) {
  const key = HUB_FIELDS[field];
  if (!key) return false;
  clearErrors();
  setError(key, message.charAt(0).toUpperCase() + message.slice(1));
  focusFirstInvalid();
  return true;
}

/** The customer and reminder parts of the booking request. */
export function formValues() {
  const channel = remindChannel();
  const customer = { name: value("name") };
  if (value("email")) customer.email = value("email");
  if (value("phone")) customer.phone = value("phone");
  const consent = consentBox.checked && channel !== "none";
  const values = { customer, consent_reminders: consent };
  if (consent) values.remind_by = channel;
  return values;
}

export function setSending(sending) {
  submit.disabled = sending;
  submit.textContent = sending ? t("book.submitting") : t("book.submit");
  form.setAttribute("aria-busy", String(sending));
}

/** onSubmit(): async, runs when the form passes its own checks. */
export function wireDetailsForm(onSubmit) {
  for (const key of ["name", "email", "phone"]) {
    CONTROLS[key].input.addEventListener("input", () => {
      if (!CONTROLS[key].error.hidden) clearError(key);
    });
  }
  for (const radio of form.querySelectorAll("input[name=remind_by]")) radio.addEventListener("change", syncConsent);
  consentBox.addEventListener("change", () => clearError("consent_reminders"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (submit.disabled || !check()) return;
    onSubmit();
  });
  syncConsent();
}
