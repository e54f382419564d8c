/**
 * "Request a callback", inside the widget (one of the ways forward when the team is not
 * available, widget/offline.js): name, number, when (as soon as possible, or an hour today or
 * tomorrow in the shopper's zone), a topic and the consent to be called, sent to the hub's
 * POST /api/callbacks with the visitor's token, so the call joins their profile. While the
 * form is open it takes the conversation's place in the panel; a refused field is shown
 * beside it with everything typed kept, and a re-send keeps its client_id until the hub answers.
 */
import { chosenWindow, preferredTime } from "../shared/callback-times.js";
import { showText } from "../shared/dom.js";
import { formSender } from "../shared/form-post.js";
import { t } from "../shared/i18n.js";
import { buildCallbackForm, choiceOf, fillTimes } from "./callback-fields.js";
import { config } from "./config.js";
import { getToken } from "./storage.js";
import { ui } from "./ui.js";

/** What a required field says when it is left empty (its labels: callback-fields.js). */
const MISSING = {
  name: () => t("common.needName"),
  phone: () => t("callback.needPhone"),
  time: () => t("callback.needTime"),
  consent: () => t("callback.needConsent"),
};

/** "We will call you at … as soon as possible / between 09:00 and 10:00 tomorrow." */
function doneText(phone, choice) {
  const { when, start, end } = chosenWindow(choice);
  if (when === "today") return t("callback.done.today", { phone, start, end });
  if (when === "tomorrow") return t("callback.done.tomorrow", { phone, start, end });
  if (when === "chosen") return t("callback.done.chosen", { phone });
  return t("callback.done.asap", { phone });
}

const FIELD_OF = {
  preferred_time: "time",
  "preferred_time.start": "time",
  "preferred_time.end": "time",
  "preferred_time.timezone": "time",
};

const form = { built: null, sending: false, returnFocus: null };
const send = () => formSender(`${config.hubBase}/api/callbacks`);
let sender = null;

function build() {
  const parts = buildCallbackForm();
  ui.stateBox.after(parts.section);
  form.built = parts;
  wire(parts);
  return parts;
}

function setError(field, message) {
  const control = form.built.controls[FIELD_OF[field] || field];
  if (!control) return false;
  showText(control.error, message);
  if (message) {
    control.input.setAttribute("aria-invalid", "true");
    control.input.setAttribute("aria-describedby", control.error.id);
  } else {
    control.input.removeAttribute("aria-invalid");
    control.input.removeAttribute("aria-describedby");
  }
  return true;
}

function clearErrors() {
  for (const field of Object.keys(form.built.controls)) setError(field, "");
  showText(form.built.general, "");
}

function wire(parts) {
  parts.back.addEventListener("click", closeCallbackForm);
  for (const radioInput of [parts.asap, parts.later]) radioInput.addEventListener("change", () => fillTimes(parts));
  parts.day.addEventListener("change", () => fillTimes(parts));
  parts.day.addEventListener("focus", () => fillTimes(parts));
  parts.hour.addEventListener("focus", () => fillTimes(parts));
  for (const [field, { input }] of Object.entries(parts.controls)) {
    const event = input.type === "checkbox" || input.tagName === "SELECT" ? "change" : "input";
    input.addEventListener(event, () => {
      setError(field, "");
      showText(parts.general, "");
    });
  }
  parts.fields.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(parts);
  });
}

function collect(parts) {
  const value = (field) => parts.controls[field].input.value.trim();
  return {
    name: value("name"),
    phone: value("phone"),
    topic: value("topic"),
    consent: parts.controls.consent.input.checked,
    choice: choiceOf(parts),
  };
}

function missing(values) {
  const found = [];
  if (!values.name) found.push("name");
  if (!values.phone) found.push("phone");
  if (preferredTime(values.choice) === null) found.push("time");
  if (!values.consent) found.push("consent");
  return found;
}

function bodyFrom(values, withToken) {
  const body = { name: values.name, phone: values.phone, preferred_time: preferredTime(values.choice), consent: true };
  if (values.topic) body.topic = values.topic;
  if (config.store) body.store = config.store;
  if (config.language) body.language = config.language;
  const token = withToken ? getToken() : null;
  if (token) body.visitor_token = token;
  return body;
}

function setSending(parts, sending) {
  form.sending = sending;
  parts.submit.disabled = sending;
  parts.submit.textContent = sending ? t("common.sending") : parts.submitLabel;
  parts.fields.setAttribute("aria-busy", String(sending));
}

async function submit(parts) {
  if (form.sending) return;
  clearErrors();
  const values = collect(parts);
  const empty = missing(values);
  if (empty.length) {
    if (empty.includes("time")) fillTimes(parts);
    for (const field of empty) setError(field, MISSING[field]());
    parts.controls[empty[0]].input.focus();
    return;
  }
  sender = sender || send();
  setSending(parts, true);
  let answer = await sender(bodyFrom(values, true));
  // An expired visitor session should not cost the shopper their request: send it without.
  if (answer.outcome === "invalid" && answer.field === "visitor_token") answer = await sender(bodyFrom(values, false));
  setSending(parts, false);
  if (answer.outcome === "sent") {
    parts.fields.hidden = true;
    parts.done.textContent = doneText(values.phone, values.choice);
    parts.done.hidden = false;
    parts.done.focus();
    return;
  }
  if (answer.outcome === "busy") return showText(parts.general, t("callback.busy"));
  if (answer.outcome === "offline") return showText(parts.general, t("callback.offlineWidget"));
  const message = answer.message || t("callback.refusedWidget");
  if (setError(answer.field, message)) parts.controls[FIELD_OF[answer.field] || answer.field].input.focus();
  else showText(parts.general, message);
}

/** Opens the form in the panel (a sent request shows its confirmation until the next one). */
export function openCallbackForm(opener) {
  const parts = form.built || build();
  form.returnFocus = opener || null;
  if (!parts.done.hidden) {
    // Asked again after a request went through: a fresh form, the details kept.
    parts.done.hidden = true;
    parts.fields.hidden = false;
  }
  fillTimes(parts);
  parts.section.hidden = false;
  ui.panel.dataset.view = "callback";
  (parts.controls.name.input.value ? parts.controls.phone.input : parts.controls.name.input).focus();
}

export function closeCallbackForm() {
  if (!form.built) return;
  form.built.section.hidden = true;
  delete ui.panel.dataset.view;
  const target = form.returnFocus && form.returnFocus.isConnected ? form.returnFocus : ui.input;
  target.focus();
}
