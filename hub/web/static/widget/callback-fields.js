/**
 * The elements of the widget's "Request a callback" form (widget/callback.js gives them their
 * behaviour): name, phone, when (as soon as possible, or a day and an hour in the shopper's
 * own zone), topic and consent, each with its error line, and the confirmation.
 */
import { callbackWindows } from "../shared/callback-times.js";
import { browserZone } from "../shared/time.js";
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

function errorLine(key) {
  const line = el("p", {
    className: "cw-field-error",
    attrs: { id: `cw-callback-${key}-error`, "data-testid": `chat-callback-${key}-error` },
  });
  line.hidden = true;
  return line;
}

function textField(key, label, attrs, multiline = false) {
  const id = `cw-callback-${key}`;
  const input = el(multiline ? "textarea" : "input", {
    className: "cw-field-input",
    attrs: { id, name: key, "data-testid": `chat-callback-${key}`, ...attrs },
  });
  const error = errorLine(key);
  const box = el("div", { className: "cw-callback-field" }, [
    el("label", { className: "cw-field-label", text: label, attrs: { for: id } }),
    input,
    error,
  ]);
  return { box, input, error };
}

function radio(value, label, checked) {
  const id = `cw-callback-when-${value}`;
  const input = el("input", {
    attrs: { id, type: "radio", name: "cw-callback-when", value, "data-testid": `chat-callback-when-${value}` },
  });
  input.checked = checked;
  return {
    input,
    box: el("div", { className: "cw-check" }, [input, el("label", { text: label, attrs: { for: id } })]),
  };
}

function select(key, label) {
  const id = `cw-callback-${key}`;
  const input = el("select", {
    className: "cw-field-input",
    attrs: { id, name: key, "data-testid": `chat-callback-${key}` },
  });
  return {
    input,
    box: el("div", { className: "cw-callback-field" }, [
      el("label", { className: "cw-field-label", text: label, attrs: { for: id } }),
      input,
    ]),
  };
}

/**
 * The form's section, hidden. Returns {section, heading, back, fields, done, general, submit,
 * submitLabel, controls: {field: {input, error}}, asap, later, day, hour, times}.
 */
export function buildCallbackForm() {
  const back = el("button", {
    className: "cw-callback-back",
    text: t("callback.back"),
    attrs: { type: "button", "data-testid": "chat-callback-back" },
  });
  const heading = el("h3", {
    className: "cw-callback-title",
    text: t("callback.title"),
    attrs: { id: "cw-callback-title", tabindex: "-1" },
  });
  const name = textField("name", t("common.name"), {
    type: "text",
    autocomplete: "name",
    autocapitalize: "words",
    maxlength: 200,
  });
  const phone = textField("phone", t("common.phone"), { type: "tel", autocomplete: "tel", inputmode: "tel", maxlength: 32 });
  const asap = radio("asap", t("callback.asap"), true);
  const later = radio("later", t("callback.later"), false);
  const day = select("day", t("callback.day"));
  const hour = select("hour", t("callback.between", { zone: browserZone().split("/").pop().replace(/_/g, " ") }));
  const timeError = errorLine("time");
  const times = el("div", { className: "cw-callback-times" }, [day.box, hour.box, timeError]);
  times.hidden = true;
  const when = el("fieldset", { className: "cw-callback-when" }, [
    el("legend", { className: "cw-field-label", text: t("callback.when") }),
    asap.box,
    later.box,
    times,
  ]);
  const topic = textField("topic", t("callback.topicOptional"), { rows: "2", maxlength: 1000 }, true);
  const consentInput = el("input", {
    attrs: { id: "cw-callback-consent", type: "checkbox", "data-testid": "chat-callback-consent" },
  });
  const consentError = errorLine("consent");
  const consent = el("div", { className: "cw-check" }, [
    consentInput,
    el("label", { text: t("callback.consent"), attrs: { for: "cw-callback-consent" } }),
    consentError,
  ]);
  const general = el("p", {
    className: "cw-field-error",
    attrs: { role: "alert", "data-testid": "chat-callback-error" },
  });
  general.hidden = true;
  const submitLabel = t("callback.callMeBack");
  const submit = el("button", {
    className: "cw-callback-submit",
    text: submitLabel,
    attrs: { type: "submit", "data-testid": "chat-callback-submit" },
  });
  const fields = el(
    "form",
    { className: "cw-callback-form", attrs: { novalidate: "", "aria-labelledby": "cw-callback-title" } },
    [
      el("p", { className: "cw-callback-intro", text: t("callback.introWidget") }),
      name.box,
      phone.box,
      when,
      topic.box,
      consent,
      general,
      submit,
    ],
  );
  const done = el("p", {
    className: "cw-callback-done",
    attrs: { role: "status", tabindex: "-1", "data-testid": "chat-callback-done" },
  });
  done.hidden = true;
  const section = el(
    "section",
    { className: "cw-callback", attrs: { "aria-labelledby": "cw-callback-title", "data-testid": "chat-callback" } },
    [el("div", { className: "cw-callback-head" }, [heading, back]), fields, done],
  );
  section.hidden = true;
  const controls = {
    name: { input: name.input, error: name.error },
    phone: { input: phone.input, error: phone.error },
    time: { input: hour.input, error: timeError },
    topic: { input: topic.input, error: topic.error },
    consent: { input: consentInput, error: consentError },
  };
  const choices = { asap: asap.input, later: later.input, day: day.input, hour: hour.input, times };
  return { section, heading, back, fields, done, general, submit, submitLabel, controls, ...choices };
}

/** The days and hours still on offer (what was chosen kept while it still is). */
export function fillTimes(parts) {
  const keptDay = parts.day.value;
  const days = ["today", "tomorrow"].filter((d) => callbackWindows(d).length);
  parts.day.replaceChildren(
    ...days.map((d) => el("option", { text: d === "today" ? t("common.today") : t("common.tomorrow"), attrs: { value: d } })),
  );
  if (days.includes(keptDay)) parts.day.value = keptDay;
  const keptHour = parts.hour.value;
  const windows = callbackWindows(parts.day.value || "tomorrow");
  parts.hour.replaceChildren(...windows.map((w) => el("option", { text: w.label, attrs: { value: w.value } })));
  if (windows.some((w) => w.value === keptHour)) parts.hour.value = keptHour;
  parts.times.hidden = !parts.later.checked;
}

/** What the shopper chose: {when: "asap"} or {when: "later", day, hour}. */
export const choiceOf = (parts) =>
  parts.later.checked ? { when: "later", day: parts.day.value, hour: parts.hour.value } : { when: "asap" };
