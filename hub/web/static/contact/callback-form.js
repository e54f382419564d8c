/*
 * The demo shop's "Request a callback" form (chat.html): name, number, when (as soon as
 * possible, or an hour today or tomorrow in the shopper's own time zone), a topic and the
 * consent to be called, sent to the hub's POST /api/callbacks, which queues a phone call for
 * the boutique's ambassadors. The boutique is the page's ?store=, as for the chat widget.
 * What was typed stays in place until the hub has it.
 */
import { callbackWindows, chosenWindow, preferredTime } from "../shared/callback-times.js";
import { browserZone } from "../shared/time.js";
import { el } from "../shared/dom.js";
import { formSender } from "../shared/form-post.js";
import { language, t } from "../shared/i18n.js";
import { formFields } from "./fields.js";
import { pageStore, shopLanguage } from "./shop-page.js";

const CONTROLS = {
  name: "callback-name",
  phone: "callback-phone",
  time: "callback-hour",
  topic: "callback-topic",
  consent: "callback-consent",
};
// The hub names the time's parts; the form has one picker for them all.
const ALIASES = {
  preferred_time: "time",
  "preferred_time.start": "time",
  "preferred_time.end": "time",
  "preferred_time.timezone": "time",
};

const $ = (id) => document.getElementById(id);
const form = $("callback-form");
const submit = $("callback-submit");
const general = $("callback-form-error");
const done = $("callback-done");
const send = formSender("/api/callbacks");

/** What a required field says when it is left empty. */
const MISSING = {
  name: () => t("common.needName"),
  phone: () => t("callback.needPhone"),
  time: () => t("callback.needTime"),
  consent: () => t("callback.needConsent"),
};

function showGeneral(message) {
  general.textContent = message || "";
  general.hidden = !message;
}

function setSending(sending) {
  form.setAttribute("aria-busy", String(sending));
  submit.disabled = sending;
  submit.textContent = sending ? t("common.sending") : t("callback.title");
}

/** The time pickers: days with hours left, and that day's hours (the choice kept if still there). */
function timePicker() {
  const later = form.querySelector("input[name=when][value=later]");
  const box = $("callback-time");
  const day = $("callback-day");
  const hour = $("callback-hour");
  const city = browserZone().split("/").pop().replace(/_/g, " ");
  $("callback-hour-label").textContent = t("callback.between", { zone: city });

  function fillDays() {
    const kept = day.value;
    const options = ["today", "tomorrow"]
      .filter((d) => callbackWindows(d).length)
      .map((d) => el("option", { text: d === "today" ? t("common.today") : t("common.tomorrow"), attrs: { value: d } }));
    day.replaceChildren(...options);
    if (options.some((o) => o.value === kept)) day.value = kept;
  }

  function fillHours() {
    const kept = hour.value;
    const windows = callbackWindows(day.value || "tomorrow");
    hour.replaceChildren(...windows.map((w) => el("option", { text: w.label, attrs: { value: w.value } })));
    if (windows.some((w) => w.value === kept)) hour.value = kept;
  }

  function refresh() {
    box.hidden = !later.checked;
    fillDays();
    fillHours();
  }

  for (const radio of form.querySelectorAll("input[name=when]")) radio.addEventListener("change", refresh);
  day.addEventListener("change", fillHours);
  // The page may stay open for hours: what is on offer is worked out again when looked at.
  day.addEventListener("focus", refresh);
  hour.addEventListener("focus", refresh);
  refresh();
  return {
    choice: () => (later.checked ? { when: "later", day: day.value, hour: hour.value } : { when: "asap" }),
    refresh,
  };
}

function values(fields, picker) {
  const value = (field) => fields.control(field).input.value;
  return {
    name: value("name").trim(),
    phone: value("phone").trim(),
    topic: value("topic").trim(),
    consent: fields.control("consent").input.checked,
    choice: picker.choice(),
  };
}

function missing(v) {
  const found = [];
  if (!v.name) found.push("name");
  if (!v.phone) found.push("phone");
  if (preferredTime(v.choice) === null) found.push("time");
  if (!v.consent) found.push("consent");
  return found;
}

function bodyFrom(v) {
  const body = { name: v.name, phone: v.phone, preferred_time: preferredTime(v.choice), consent: true };
  if (v.topic) body.topic = v.topic;
  const store = pageStore();
  if (store) body.store = store;
  body.language = language();
  return body;
}

/** "Thank you — we will call you at … as soon as possible / between … tomorrow." */
function thanksText(phone, choice) {
  const { when, start, end } = chosenWindow(choice);
  if (when === "today") return t("callback.thanks.today", { phone, start, end });
  if (when === "tomorrow") return t("callback.thanks.tomorrow", { phone, start, end });
  if (when === "chosen") return t("callback.thanks.chosen", { phone });
  return t("callback.thanks.asap", { phone });
}

function thank(v) {
  form.hidden = true;
  done.textContent = thanksText(v.phone, v.choice);
  done.hidden = false;
  done.focus();
}

function showAnswer(fields, answer, v) {
  if (answer.outcome === "sent") return thank(v);
  if (answer.outcome === "busy") return showGeneral(t("callback.busy"));
  if (answer.outcome === "offline") return showGeneral(t("callback.offline"));
  const message = answer.message || t("callback.refused");
  if (fields.showError(answer.field, message)) return fields.focus(answer.field);
  return showGeneral(message);
}

function wire() {
  const fields = formFields(form, CONTROLS, ALIASES);
  const picker = timePicker();
  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    fields.clearErrors();
    showGeneral("");
    const v = values(fields, picker);
    const empty = missing(v);
    if (empty.length) {
      if (empty.includes("time")) picker.refresh(); // the hour chosen has passed meanwhile
      for (const field of empty) fields.showError(field, MISSING[field]());
      fields.focus(empty[0]);
      return;
    }
    sending = true;
    setSending(true);
    const answer = await send(bodyFrom(v));
    sending = false;
    setSending(false);
    showAnswer(fields, answer, v);
  });
}

if (form && submit && general && done) shopLanguage().then(wire);
