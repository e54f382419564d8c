/**
 * The "important dates" editor of the preferences: rows of kind (birthday, anniversary,
 * other), date and an optional label, added and removed in place. A year-less date the hub
 * stores as --MM-DD cannot sit in a date input, so such a row keeps a text input.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const KINDS = [
  ["birthday", () => t("dates.kind.birthday")],
  ["anniversary", () => t("dates.kind.anniversary")],
  ["other", () => t("dates.kind.other")],
];

/** How an error names the part of a row it is about ("The date must be…"). */
const PARTS = {
  kind: () => t("dates.theKind"),
  date: () => t("dates.theDate"),
  label: () => t("dates.theLabel"),
};

const YEARLESS = /^--\d{2}-\d{2}$/;

/** Stored dates in the shape value() gives back, so "unchanged" compares equal; null for none. */
export function storedDates(value) {
  if (!Array.isArray(value) || !value.length) return null;
  return value.map((d) => (d.label ? { kind: d.kind, date: d.date, label: d.label } : { kind: d.kind, date: d.date }));
}

/** onChange(): called after every edit, addition and removal. */
export function datesEditor(onChange) {
  const list = el("ul", { className: "profile-dates", attrs: { "data-testid": "profile-dates" } });
  const add = button(t("dates.add"), "button button-quiet profile-dates-add", "profile-date-add");
  const root = el("div", { className: "profile-dates-editor" }, [list, add]);
  let rows = [];
  let readOnly = false;

  function createRow(entry) {
    const kind = el(
      "select",
      { attrs: { "aria-label": t("dates.kindLabel"), "data-testid": "profile-date-kind" } },
      KINDS.map(([value, label]) => el("option", { text: label(), attrs: { value } })),
    );
    kind.value = KINDS.some(([value]) => value === entry.kind) ? entry.kind : "other";
    const yearless = YEARLESS.test(entry.date || "");
    const date = el("input", {
      attrs: {
        type: yearless ? "text" : "date",
        "aria-label": yearless ? t("dates.dateYearless") : t("dates.date"),
        "data-testid": "profile-date-value",
      },
    });
    date.value = entry.date || "";
    const label = el("input", {
      attrs: { type: "text", maxlength: "100", placeholder: t("dates.labelPlaceholder"), "aria-label": t("dates.label") },
    });
    label.value = entry.label || "";
    const remove = button(t("dates.remove"), "button button-quiet profile-date-remove", "profile-date-remove");
    const error = el("p", { className: "form-error profile-field-error", attrs: { role: "alert" } });
    error.hidden = true;
    const item = el("li", { className: "profile-date" }, [kind, date, label, remove, error]);
    const row = { el: item, kind, date, label, remove, error };
    remove.addEventListener("click", () => {
      rows = rows.filter((other) => other !== row);
      item.remove();
      onChange();
      add.focus();
    });
    for (const input of [kind, date, label]) input.addEventListener("input", onChange);
    applyReadOnly(row);
    return row;
  }

  function applyReadOnly(row) {
    row.kind.disabled = readOnly;
    row.date.readOnly = readOnly;
    row.label.readOnly = readOnly;
    row.remove.hidden = readOnly;
  }

  add.addEventListener("click", () => {
    const row = createRow({ kind: "birthday", date: "" });
    rows.push(row);
    list.appendChild(row.el);
    row.date.focus();
    onChange();
  });

  return {
    el: root,
    /** Shows the stored dates, dropping whatever was being edited. */
    set(dates) {
      rows = (Array.isArray(dates) ? dates : []).map(createRow);
      list.replaceChildren(...rows.map((row) => row.el));
    },
    /** The rows as the hub takes them, in order (errors name rows by this index). */
    value() {
      return rows.map((row) => {
        const entry = { kind: row.kind.value, date: row.date.value.trim() };
        if (row.label.value.trim()) entry.label = row.label.value.trim();
        return entry;
      });
    },
    setReadOnly(flag) {
      readOnly = flag;
      add.hidden = flag;
      rows.forEach(applyReadOnly);
    },
    /** The row at index and the input named by part ("kind", "date" or "label"). */
    target(index, part) {
      const row = rows[index];
      if (!row) return null;
      const label = PARTS[part] ? PARTS[part]() : t("dates.thisDate");
      return { input: row[part] || row.date, error: row.error, label };
    },
    errorNodes: () => rows.map((row) => row.error),
  };
}
