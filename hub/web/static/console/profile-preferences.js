/**
 * The customer's tastes: language, boutique, channel, colours, metals, collections,
 * categories (comma-separated), ring size and important dates. Saving sends only the keys
 * that changed (null removes one); the hub names a bad value's path and that input is marked.
 * Edits not yet saved survive a change made elsewhere: the form then offers to reload.
 */
import { button, el, showText } from "../shared/dom.js";
import { language, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { datesEditor, storedDates } from "./profile-dates.js";
import { emptyLine, errorLine, profileSection, showFailure } from "./profile-parts.js";
import { DATES, FIELDS, createField, fieldValue, orNull, stored } from "./profile-preference-fields.js";

export function preferencesSection(ctx) {
  const section = profileSection(t("profile.preferences"), { "data-testid": "profile-preferences" });
  const fields = FIELDS.map(createField);
  const byKey = Object.fromEntries(fields.map((field) => [field.key, field]));
  const dates = datesEditor(onEdit);
  const notice = el("div", {
    className: "notice profile-stale",
    attrs: { "data-testid": "profile-preferences-stale" },
  });
  const reload = button(t("prefs.reload"), "button button-quiet");
  notice.append(el("p", { text: t("prefs.stale") }), reload);
  const error = errorLine("profile-preferences-error");
  const save = button(t("prefs.save"), "button button-primary", "profile-preferences-save", "submit");
  const saved = el("span", { className: "profile-saved", attrs: { role: "status" } });
  const datesField = el("fieldset", { className: "profile-field" }, [
    el("legend", { text: t("prefs.importantDates") }),
    dates.el,
  ]);
  const none = emptyLine(t("prefs.none"));
  const form = el("form", { className: "profile-form", attrs: { novalidate: "" } }, [
    none,
    ...fields.map((field) => field.el),
    datesField,
    error,
    el("div", { className: "profile-form-actions" }, [save, saved]),
  ]);
  section.body.append(notice, form);
  let base = {}; // the preferences the form was filled from
  let latest = null; // a newer profile held back while edits are pending

  function current() {
    const values = Object.fromEntries(fields.map((field) => [field.key, fieldValue(field)]));
    values[DATES] = orNull(dates.value());
    return values;
  }

  function changes() {
    const now = current();
    const patch = {};
    for (const key of Object.keys(now)) {
      if (JSON.stringify(now[key]) !== JSON.stringify(base[key])) patch[key] = now[key];
    }
    return patch;
  }

  const isDirty = () => ctx.editable && Object.keys(changes()).length > 0;

  function fill(preferences) {
    const prefs = preferences || {};
    base = { [DATES]: storedDates(prefs[DATES]) };
    for (const field of fields) {
      base[field.key] = stored(field, prefs[field.key]);
      const value = base[field.key];
      field.input.value = Array.isArray(value) ? value.join(", ") : value || "";
    }
    dates.set(prefs[DATES]);
    // Read only, empty fields are left out (CSS) and a profile without any says so (render).
    for (const field of fields) field.el.dataset.empty = String(!base[field.key]);
    datesField.dataset.empty = String(!base[DATES]);
    latest = null;
    notice.hidden = true;
    clearErrors();
  }

  function clearErrors() {
    for (const node of [...fields.map((f) => f.error), ...dates.errorNodes(), error]) showText(node, "");
    form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  }

  /** "preferences.metals[0]" marks the metals input; "preferences.important_dates[1].date" a row's. */
  function showFieldError(err) {
    const match = /^preferences\.([a-z_]+)(?:\[(\d+)\](?:\.([a-z]+))?)?/.exec(String(err.details.field || ""));
    let target = null;
    if (match && match[1] === DATES && match[2] !== undefined) target = dates.target(Number(match[2]), match[3]);
    else if (match && byKey[match[1]]) target = byKey[match[1]];
    if (!target || err.status !== 400) {
      showFailure(error, err);
      return;
    }
    // "metals[0] must be…" reads "Metals must be…" next to the input it is about; in another
    // language than English the label comes first and the hub's words as they came.
    const path = match[0].slice("preferences.".length);
    const rest = err.message.startsWith(path) ? err.message.slice(path.length) : null;
    let shown = err.message;
    if (rest !== null && language() === "en") shown = target.label + rest;
    else if (rest !== null) shown = t("prefs.fieldError", { field: target.label, message: rest.trim() });
    showText(target.error, shown);
    target.input.setAttribute("aria-invalid", "true");
    target.input.focus();
  }

  function onEdit() {
    showText(saved, "");
  }

  form.addEventListener("input", (event) => {
    onEdit();
    const invalid = event.target.closest("[aria-invalid]");
    if (invalid) clearErrors();
  });
  reload.addEventListener("click", () => latest && fill(latest.preferences));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const patch = changes();
    clearErrors();
    if (!Object.keys(patch).length) {
      showText(saved, t("prefs.nothingToSave"));
      return;
    }
    const customerId = ctx.customerId;
    save.disabled = true;
    try {
      const profile = await api("PATCH", `/api/customers/${encodeURIComponent(customerId)}`, { preferences: patch });
      if (customerId !== ctx.customerId) return;
      fill(profile.preferences);
      showText(saved, t("prefs.saved"));
      ctx.applyProfile(profile);
    } catch (err) {
      if (customerId === ctx.customerId) showFieldError(err);
    } finally {
      save.disabled = false;
    }
  });

  function render(profile) {
    const readOnly = !ctx.editable || Boolean(profile.erased);
    if (isDirty() && !readOnly) {
      latest = profile; // keep what the ambassador typed; they choose when to reload
      notice.hidden = false;
    } else {
      fill(profile.preferences);
    }
    for (const field of fields) {
      if (field.options) field.input.disabled = readOnly;
      else field.input.readOnly = readOnly;
    }
    dates.setReadOnly(readOnly);
    save.hidden = readOnly;
    form.dataset.readonly = String(readOnly);
    if (readOnly) showText(saved, "");
    none.hidden = !readOnly || Object.values(base).some(Boolean);
  }

  function reset() {
    base = {};
    fill({});
    showText(saved, "");
  }

  return { el: section.el, render, reset };
}
