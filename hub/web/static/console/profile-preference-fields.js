/**
 * The preference fields other than dates: what each holds, its input, and how a stored value
 * and an input's text compare (lists are typed comma-separated; empty means "none", null).
 */
import { el } from "../shared/dom.js";

const CHANNELS = ["webchat", "wechat", "email", "phone", "post"];
export const FIELDS = [
  { key: "language", label: "Language", placeholder: "e.g. fr, en-GB" },
  { key: "store", label: "Boutique", placeholder: "store code, e.g. PARIS01" },
  { key: "channel", label: "Preferred channel", options: CHANNELS },
  { key: "colours", label: "Colours", list: true, placeholder: "e.g. rose, white" },
  { key: "metals", label: "Metals", list: true, placeholder: "e.g. platinum, yellow gold" },
  { key: "collections", label: "Collections", list: true },
  { key: "categories", label: "Categories", list: true, placeholder: "e.g. rings, earrings" },
  { key: "ring_size", label: "Ring size", placeholder: "e.g. 52 or 6 1/2" },
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

/** A labelled input (or select) with its error line: {...field, el, input, error}. */
export function createField(field) {
  const id = `profile-pref-${field.key}`;
  const attrs = { id, "data-testid": id, "aria-describedby": `${id}-error` };
  const input = field.options
    ? el("select", { attrs }, [
        el("option", { text: "No preference", attrs: { value: "" } }),
        ...field.options.map((value) => el("option", { text: value, attrs: { value } })),
      ])
    : el("input", { attrs: { ...attrs, type: "text", autocomplete: "off", placeholder: field.placeholder } });
  const error = el("p", { className: "form-error profile-field-error", attrs: { id: `${id}-error`, role: "alert" } });
  error.hidden = true;
  const root = el("div", { className: "profile-field" }, [
    el("label", { text: field.label, attrs: { for: id } }),
    input,
    error,
  ]);
  return { ...field, el: root, input, error };
}
