/**
 * A colleague's working calendar on their page: weekly hours per store (empty: the store's
 * opening hours) and time off (a span without bookings, read on the chosen store's clock).
 * Only the stores the caller manages can be changed.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { seg, when } from "./admin-data.js";
import { adminForm, hoursText, input, section, select } from "./admin-forms.js";
import { announce } from "./notices.js";
import { reportApiFailure } from "./session.js";

/** One line per store they work in: its weekly hours, saved on their own. */
export function schedulesSection(person, schedules, can) {
  const rows = schedules.map((entry) => {
    const form = adminForm({
      testid: "admin-schedule-form",
      submitLabel: t("admin.save"),
      className: "admin-form-inline",
      onSubmit: async () => {
        const text = form.value("hours");
        const answer = await api("PUT", `/api/staff/${seg(person.id)}/schedule`, { store: entry.store, hours: text || null });
        form.set("hours", hoursText(answer.hours));
        announce(t("admin.schedule.saved", { store: entry.store }));
        showText(saved, t("admin.saved"));
      },
    });
    const saved = el("p", { className: "admin-saved", attrs: { role: "status" } });
    saved.hidden = true;
    const field = input("admin-schedule-hours", {
      maxlength: 300,
      spellcheck: "false",
      placeholder: t("admin.schedule.storeHours"),
    });
    const hours = form.add("hours", entry.store, field, { hint: t("admin.schedule.hint") });
    hours.set(hoursText(entry.hours));
    form.el.dataset.store = entry.store;
    form.actions.append(saved);
    if (!can.schedules || !can.grantable(entry.store)) form.readOnly(true);
    return form.el;
  });
  const none = el("p", { className: "empty", text: t("admin.schedule.none") });
  return section(t("admin.schedule.title"), rows.length ? rows : [none], "admin-schedules");
}

/** Their coming time off, with a form to add some and a button to take each back. */
export function timeOffSection(person, initial, can, reach) {
  const entries = [...initial];
  const list = el("ul", { className: "admin-list admin-compact", attrs: { "data-testid": "admin-timeoff-list" } });
  const empty = el("p", { className: "empty", text: t("admin.timeOff.empty") });
  const stores = (person.stores || []).filter((code) => can.grantable(code));
  const zones = new Map(reach.map((store) => [store.code, store.timezone]));

  function render() {
    entries.sort((a, b) => a.from.localeCompare(b.from));
    empty.hidden = entries.length > 0;
    list.replaceChildren(...entries.map(row));
  }

  function row(entry) {
    const remove = button(t("admin.delete"), "button button-quiet button-small", "admin-timeoff-delete");
    remove.hidden = !can.schedules;
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api("DELETE", `/api/staff/${seg(person.id)}/time-off/${seg(entry.id)}`);
        entries.splice(entries.indexOf(entry), 1);
        render();
        announce(t("admin.timeOff.removed"));
      } catch (err) {
        remove.disabled = false;
        reportApiFailure(err);
      }
    });
    return el("li", { className: "admin-row", attrs: { "data-testid": "admin-timeoff-row" } }, [
      el("span", { className: "admin-row-main-text", text: t("admin.timeOff.span", { from: when(entry.from), to: when(entry.to) }) }),
      el("span", { className: "admin-row-meta", text: entry.reason || "" }),
      remove,
    ]);
  }

  const parts = [list, empty];
  if (can.schedules && stores.length) {
    const form = adminForm({
      testid: "admin-timeoff-form",
      submitLabel: t("admin.timeOff.add"),
      className: "admin-form-inline",
      onSubmit: async () => {
        const body = { store: form.value("store"), from: form.value("from"), to: form.value("to") };
        const reason = form.value("reason");
        if (reason) body.reason = reason;
        const answer = await api("POST", `/api/staff/${seg(person.id)}/time-off`, body);
        entries.push(answer.time_off);
        render();
        form.set("reason", "");
        announce(t("admin.timeOff.added"));
      },
    });
    const store = form.add(
      "store",
      t("admin.timeOff.store"),
      select("admin-timeoff-store", stores.map((code) => ({ value: code, label: code }))),
    );
    const zoneHint = el("p", { className: "field-hint" });
    const showZone = () => (zoneHint.textContent = t("admin.timeOff.zone", { zone: zones.get(store.get()) || "" }));
    store.node.addEventListener("change", showZone);
    showZone();
    form.add("from", t("admin.timeOff.from"), input("admin-timeoff-from", { type: "datetime-local" }));
    form.add("to", t("admin.timeOff.to"), input("admin-timeoff-to", { type: "datetime-local" }));
    form.add("reason", t("admin.timeOff.reason"), input("admin-timeoff-reason", { maxlength: 200 }));
    form.el.prepend(zoneHint);
    parts.push(form.el);
  }
  render();
  return section(t("admin.timeOff.title"), parts, "admin-timeoff");
}
