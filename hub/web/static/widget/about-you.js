/**
 * The "About you" pre-chat form: before the first message of a conversation the shopper may
 * give a name, an e-mail address and a phone number, and ask for news by e-mail or text
 * message. Nothing is required. What is filled in travels once, as `contact` on the first
 * message, and is kept with that message in the outbox so a re-send carries the same details.
 * The hub records them as unverified claims and consent grants (source "chat_form"), or answers
 * invalid_input naming a contact.* field, shown here next to that field.
 *
 * Phases: "unknown" (a returning visitor, until history tells) · "ask" (shown) · "sending"
 * (went with a message still awaiting its ack: shown, inert) · "done" (the conversation
 * exists: gone). Collapsing the form ("Just chat") skips it: only details in view are sent.
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { scrollMessages } from "./messages.js";
import { state } from "./state.js";
import { readOutbox } from "./storage.js";
import { ui } from "./ui.js";

// Labels are looked up when the form is built, once the catalogue is in place.
const FIELDS = [
  { key: "name", label: () => t("common.name"), type: "text", autocomplete: "name", autocapitalize: "words" },
  { key: "email", label: () => t("common.email"), type: "email", autocomplete: "email", autocapitalize: "none" },
  { key: "phone", label: () => t("common.phone"), type: "tel", autocomplete: "tel" },
];
const MAX_LENGTH = { name: 200, email: 254, phone: 32 };
const NEWS = [
  { channel: "email", label: () => t("common.newsByEmail") },
  { channel: "phone", label: () => t("common.newsByPhone") },
];

const form = { phase: "unknown", expanded: true, clientId: null, controls: new Map(), general: null };

const filled = (input) => input.value.trim() !== "";

function textField(spec) {
  const id = `cw-about-${spec.key}`;
  const input = el("input", {
    className: "cw-field-input",
    attrs: {
      id,
      name: spec.key,
      type: spec.type,
      autocomplete: spec.autocomplete,
      autocapitalize: spec.autocapitalize,
      spellcheck: spec.key === "name" ? undefined : "false",
      maxlength: MAX_LENGTH[spec.key],
      enterkeyhint: "next",
      "data-testid": `chat-about-${spec.key}`,
    },
  });
  const label = el("label", { className: "cw-field-label", text: spec.label(), attrs: { for: id } });
  const error = el("p", { className: "cw-field-error", attrs: { id: `${id}-error`, "data-testid": `chat-about-${spec.key}-error` } });
  error.hidden = true;
  form.controls.set(`contact.${spec.key}`, { input, error });
  return [label, input, error];
}

function newsBox(spec) {
  const id = `cw-about-news-${spec.channel}`;
  const input = el("input", { attrs: { id, type: "checkbox", "data-testid": `chat-about-news-${spec.channel}` } });
  input.disabled = true; // until its field is filled
  const label = el("label", { text: spec.label(), attrs: { for: id } });
  const error = el("p", { className: "cw-field-error", attrs: { id: `${id}-error`, "data-testid": `chat-about-news-${spec.channel}-error` } });
  error.hidden = true;
  form.controls.set(`contact.marketing.${spec.channel}`, { input, error });
  return el("div", { className: "cw-check" }, [input, label, error]);
}

const control = (field) => form.controls.get(field);

function setError(field, message) {
  const { input, error } = control(field);
  showText(error, message);
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", error.id);
}

function clearError(field) {
  const { input, error } = control(field);
  showText(error, "");
  input.removeAttribute("aria-invalid");
  input.removeAttribute("aria-describedby");
}

const showsError = () => !form.general.hidden || [...form.controls.values()].some(({ error }) => !error.hidden);

function clearErrors() {
  for (const field of form.controls.keys()) clearError(field);
  showText(form.general, "");
}

/** A news box can be ticked only while its channel's field holds something. */
function syncNewsBoxes() {
  for (const { channel } of NEWS) {
    const box = control(`contact.marketing.${channel}`).input;
    box.disabled = !filled(control(`contact.${channel}`).input);
    if (box.disabled && box.checked) {
      box.checked = false;
      clearError(`contact.marketing.${channel}`);
    }
  }
}

function render() {
  const section = ui.aboutYou;
  section.hidden = form.phase !== "ask" && form.phase !== "sending";
  // Sent with a message: the details stay in view, unchangeable, until the hub answers.
  section.inert = form.phase === "sending";
  section.dataset.phase = form.phase;
  section.dataset.expanded = String(form.expanded);
  ui.aboutBody.hidden = !form.expanded;
  ui.aboutSkip.hidden = !form.expanded;
  ui.aboutToggle.setAttribute("aria-expanded", String(form.expanded));
  scrollMessages(true);
}

function setPhase(phase) {
  if (form.phase === phase) return;
  form.phase = phase;
  render();
}

function setExpanded(expanded) {
  form.expanded = expanded;
  render();
}

/** Enter in a details field moves on to the next one, then to the message. */
function onFieldKeydown(event) {
  if (event.key !== "Enter" || event.isComposing) return;
  event.preventDefault();
  const inputs = FIELDS.map((spec) => control(`contact.${spec.key}`).input);
  const next = inputs[inputs.indexOf(event.target) + 1] || ui.input;
  next.focus();
}

function wire() {
  ui.aboutToggle.addEventListener("click", () => setExpanded(!form.expanded));
  ui.aboutSkip.addEventListener("click", () => {
    setExpanded(false);
    ui.input.focus();
  });
  for (const [field, { input }] of form.controls) {
    input.addEventListener(input.type === "checkbox" ? "change" : "input", () => {
      clearError(field);
      showText(form.general, "");
      syncNewsBoxes();
    });
    if (input.type !== "checkbox") input.addEventListener("keydown", onFieldKeydown);
  }
}

/**
 * Builds the form above the composer; main.js calls it once. A visitor without a token has no
 * conversation, so sees the form at once; an unsent message that took the details is awaited.
 */
export function attachAboutYou({ newcomer }) {
  const toggle = el(
    "button",
    { className: "cw-about-toggle", attrs: { type: "button", id: "cw-about-toggle", "aria-controls": "cw-about-body", "data-testid": "chat-about-toggle" } },
    [
      el("span", { className: "cw-about-title", text: t("widget.about.title") }),
      document.createTextNode(" "),
      el("span", { className: "cw-about-optional", text: t("common.optional") }),
    ],
  );
  const skip = el("button", { className: "cw-about-skip", text: t("widget.about.skip"), attrs: { type: "button", "data-testid": "chat-about-skip" } });
  const fields = el("div", { className: "cw-about-fields" }, FIELDS.flatMap(textField));
  const news = el("fieldset", { className: "cw-news" }, [el("legend", { className: "cw-sr-only", text: t("widget.about.news") }), ...NEWS.map(newsBox)]);
  form.general = el("p", { className: "cw-field-error", attrs: { role: "alert", "data-testid": "chat-about-error" } });
  form.general.hidden = true;
  const privacy = el("p", { className: "cw-about-privacy", text: t("widget.about.privacy") });
  const body = el("div", { className: "cw-about-body", attrs: { id: "cw-about-body" } }, [fields, news, form.general, privacy]);
  const section = el(
    "div",
    { className: "cw-about", attrs: { role: "group", "aria-labelledby": "cw-about-toggle", "data-testid": "chat-about" } },
    [el("div", { className: "cw-about-head" }, [el("h3", { className: "cw-about-heading" }, [toggle]), skip]), body],
  );
  ui.form.before(section);
  Object.assign(ui, { aboutYou: section, aboutToggle: toggle, aboutSkip: skip, aboutBody: body });
  wire();
  const outbox = readOutbox();
  const pending = outbox.find((item) => item.contact);
  if (pending) {
    fill(pending.contact);
    form.clientId = pending.client_id;
    form.phase = "sending";
  } else {
    form.phase = newcomer && !outbox.length ? "ask" : "unknown";
  }
  render();
}

/** Puts details back in the fields: those an unsent or refused message carries. */
function fill(contact) {
  for (const { key } of FIELDS) control(`contact.${key}`).input.value = contact[key] || "";
  syncNewsBoxes();
  for (const { channel } of NEWS) {
    const box = control(`contact.marketing.${channel}`).input;
    box.checked = !box.disabled && Boolean(contact.marketing && contact.marketing[channel]);
  }
}

/** The details to send, or null: what is filled in, while the form is shown and open. */
function collect() {
  if (form.phase !== "ask" || !form.expanded) return null;
  const contact = {};
  for (const { key } of FIELDS) {
    const value = control(`contact.${key}`).input.value.trim();
    if (value) contact[key] = value;
  }
  const marketing = {};
  for (const { channel } of NEWS) {
    if (contact[channel] && control(`contact.marketing.${channel}`).input.checked) marketing[channel] = true;
  }
  if (Object.keys(marketing).length) contact.marketing = marketing;
  return Object.keys(contact).length ? contact : null;
}

/**
 * A message is being sent: the first of a conversation takes the form's details (or none),
 * and the form waits for its ack. Returns the contact to send with it, or null.
 */
export function takeContact(clientId) {
  if (form.phase !== "ask") return null;
  const contact = collect();
  form.clientId = clientId;
  setPhase("sending");
  return contact;
}

function reset() {
  for (const { input } of form.controls.values()) {
    if (input.type === "checkbox") input.checked = false;
    else input.value = "";
  }
  clearErrors();
  syncNewsBoxes();
  form.expanded = true;
}

/** A message of ours was stored: if it took the details, or we did not know yet, a conversation exists. */
export function messageStored(item) {
  if (item.client_id === form.clientId || item.contact) {
    form.clientId = null;
    reset();
    setPhase("done");
  } else if (form.phase === "unknown") {
    setPhase("done");
  }
}

/** That message failed for another reason: nothing was stored, so ask again. */
export function contactNotSent(item) {
  if (item.client_id !== form.clientId) return;
  form.clientId = null;
  setPhase("ask");
}

export const isContactError = (error) => Boolean(error && typeof error.field === "string" && error.field.startsWith("contact."));

/** The hub refused a detail: show what was sent, the reason beside the field, and focus it. */
export function showContactError(item, error) {
  fill(item.contact || {});
  clearErrors();
  form.clientId = null;
  form.expanded = true;
  form.phase = "ask";
  render();
  const message = error.message || t("widget.about.checkDetails");
  const target = form.controls.has(error.field) ? error.field : null;
  if (target) setError(target, message);
  else showText(form.general, message);
  if (!state.open) return;
  if (target) control(target).input.focus();
  else ui.aboutToggle.focus();
}

/**
 * What the hub says about the shopper's latest conversation (history, or "closed"): none, or a
 * closed one, means the next message starts one, so the form is offered; an open one hides it.
 */
export function noteConversation(conversationId, status) {
  if (form.phase === "sending") return;
  const starting = !conversationId || status === "closed";
  if (starting && form.phase !== "ask" && !readOutbox().length) {
    if (form.phase === "done") reset(); // a fresh form for the next conversation
    setPhase("ask");
  } else if (!starting && !showsError()) {
    setPhase("done"); // e.g. another tab started it; a refused detail stays up to be fixed
  }
}

/** The conversation was closed while we watched: a fresh form for the next one. */
export function conversationClosed() {
  noteConversation(null, "closed");
}

/** The visitor changed (a new token): history will tell whether they have a conversation. */
export function forgetConversation() {
  if (form.phase === "done") setPhase("unknown");
}
