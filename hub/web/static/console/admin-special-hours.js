/**
 * A store's special hours: dates it opens differently or closes (a holiday), on the store's
 * own calendar. Booking reads them before the weekly hours. Listed from today on.
 */
import { button, el } from "../shared/dom.js";
import { formatCalendarDay, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { seg } from "./admin-data.js";
import { adminForm, checkbox, input, section } from "./admin-forms.js";
import { announce } from "./notices.js";
import { reportApiFailure } from "./session.js";

/** "10:00-16:00", a list of ranges, or null (closed) as the reader sees it. */
function hoursLabel(hours) {
  if (hours === null || hours === undefined) return t("admin.special.closed");
  if (Array.isArray(hours)) return hours.map((range) => (Array.isArray(range) ? range.join("-") : range)).join(" ");
  return String(hours);
}

export function specialHoursSection(store, initial) {
  const entries = new Map(initial.map((entry) => [entry.date, entry]));
  const list = el("ul", { className: "admin-list admin-compact", attrs: { "data-testid": "admin-special-list" } });
  const empty = el("p", { className: "empty", text: t("admin.special.empty") });
  const base = `/api/admin/stores/${seg(store.code)}/special-hours`;

  function render() {
    const sorted = [...entries.values()].sort((a, b) => a.date.localeCompare(b.date));
    empty.hidden = sorted.length > 0;
    list.replaceChildren(...sorted.map(row));
  }

  function row(entry) {
    const remove = button(t("admin.delete"), "button button-quiet button-small", "admin-special-delete");
    remove.setAttribute("aria-label", t("admin.special.deleteLabel", { date: formatCalendarDay(entry.date, "full") }));
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api("DELETE", `${base}/${seg(entry.date)}`);
        entries.delete(entry.date);
        render();
        announce(t("admin.special.deleted", { date: formatCalendarDay(entry.date, "full") }));
      } catch (err) {
        remove.disabled = false;
        reportApiFailure(err);
      }
    });
    return el("li", { className: "admin-row", attrs: { "data-testid": "admin-special-row", "data-date": entry.date } }, [
      el("span", { className: "admin-row-main-text", text: formatCalendarDay(entry.date, "full") }),
      el("span", { className: "admin-row-meta", text: [hoursLabel(entry.hours), entry.note].filter(Boolean).join(" · ") }),
      remove,
    ]);
  }

  const form = adminForm({
    testid: "admin-special-form",
    submitLabel: t("admin.special.save"),
    className: "admin-form-inline",
    onSubmit: async () => {
      const date = form.value("date");
      if (!date) {
        form.showError({ message: t("admin.special.dateMissing"), details: { field: "date" } });
        return;
      }
      const closed = form.value("closed");
      const note = form.value("note");
      const body = { hours: closed ? null : form.value("hours") };
      if (note) body.note = note;
      const answer = await api("PUT", `${base}/${seg(date)}`, body);
      entries.set(answer.special_hours.date, answer.special_hours);
      render();
      form.set("hours", "");
      form.set("note", "");
      announce(t("admin.special.saved", { date: formatCalendarDay(date, "full") }));
    },
  });
  form.add("date", t("admin.special.date"), input("admin-special-date", { type: "date" }));
  const closed = form.add("closed", t("admin.special.closedLabel"), checkbox("admin-special-closed"));
  form.add("hours", t("admin.special.hours"), input("admin-special-hours", { maxlength: 100, spellcheck: "false" }), {
    hint: t("admin.special.hoursHint"),
  });
  form.add("note", t("admin.special.note"), input("admin-special-note", { maxlength: 200 }));
  closed.node.addEventListener("change", () => {
    form.field("hours").node.disabled = closed.get();
  });

  render();
  const intro = el("p", { className: "field-hint", text: t("admin.special.intro", { zone: store.timezone }) });
  return section(t("admin.special.title"), [intro, list, empty, form.el], "admin-special");
}
