/**
 * The preference fields other than dates: what each holds, its input, and how a stored value
 * and an input's text compare (lists are typed comma-separated; empty means "none", null).
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

/** The channels a customer may prefer, each with its name. */
const CHANNELS = [
  ["webchat", () => t("channel.webchat")],
  ["wechat", () => t("channel.wechat")],
  ["email", () => t("consent.channel.email")],
  ["phone", () => t("consent.channel.phone")],
  ["post", () => t("consent.channel.post")],
];
// label and placeholder are read when the form is built (createField), in the console's language.
export const FIELDS = [
  { key: "language", label: () => t("prefs.language"), placeholder: () => t("prefs.languageHint") },
  { key: "store", label: () => t("prefs.store"), placeholder: () => t("prefs.storeHint") },
  { key: "channel", label: () => t("prefs.channel"), options: CHANNELS },
  { key: "colours", label: () => t("prefs.colours"), list: true, placeholder: () => t("prefs.coloursHint") },
  { key: "metals", label: () => t("prefs.metals"), list: true, placeholder: () => t("prefs.metalsHint") },
  { key: "collections", label: () => t("prefs.collections"), list: true },
  { key: "categories", label: () => t("prefs.categories"), list: true, placeholder: () => t("prefs.categoriesHint") },
  { key: "ring_size", label: () => t("prefs.ringSize"), placeholder: () => t("prefs.ringSizeHint") },
];
export const DATES = "important_dates";

const splitList = (text) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
export const orNull = (value) => (Array.isArray(value) ? (value.length ? value : null) : value || null);

/** A stored value in the form the inputs give back, so "unchanged" compares equal. */
export function stored(field, value) {
  if (field.list) return orNull(Array.isArray(value) ? value.filter((v) => typeof v === "string") : []);
  return typeof value === "string" ? orNull(value) : null;
}

/** What the input holds now, compared with stored() to find what changed. */
export function fieldValue(field) {
  return field.list ? orNull(splitList(field.input.value)) : orNull(field.input.value.trim());
}

/** A labelled input (or select) with its error line: {...field, label (its text), el, input, error}. */
export function createField(field) {
  const id = `profile-pref-${field.key}`;
  const attrs = { id, "data-testid": id, "aria-describedby": `${id}-error` };
  const label = field.label();
  const placeholder = field.placeholder ? field.placeholder() : undefined;
  const input = field.options
    ? el("select", { attrs }, [
        el("option", { text: t("prefs.noPreference"), attrs: { value: "" } }),
        ...field.options.map(([value, name]) => el("option", { text: name(), attrs: { value } })),
      ])
    : el("input", { attrs: { ...attrs, type: "text", autocomplete: "off", placeholder } });
  const error = el("p", { className: "form-error profile-field-error", attrs: { id: `${id}-error`, role: "alert" } });
  error.hidden = true;
  const root = el("div", { className: "profile-field" }, [
    el("label", { text: label, attrs: { for: id } }),
    input,
    error,
  ]);
  return { ...field, label, el: root, input, error };
}
