/**
 * Administration → Audit: who changed what, newest first, within the reader's reach
 * (`GET /api/audit`, docs/staff-admin.md). Filters by action, subject type, person and
 * dates (days on the reader's clock); "Load more" asks for the page before the last entry
 * shown (keyset paging), so new entries never shift what is on screen.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { when } from "./admin-data.js";
import { input, pageHeader, select, statusLine } from "./admin-forms.js";
import { auditSummary, dayStart } from "./admin-rules.js";
import { labelled } from "./admin-staff.js";
import { sessionEnded } from "./session.js";

const PAGE = 50;
const SUBJECTS = ["store", "staff", "wechat_account", "mailbox", "voice_account", "routing_settings"];
const ACTIONS = [
  "store.created",
  "store.updated",
  "store.special_hours",
  "store.special_hours_removed",
  "store.appointment_type",
  "staff.invited",
  "staff.invitation_accepted",
  "staff.updated",
  "staff.schedule",
  "staff.time_off",
  "staff.time_off_removed",
  "staff.deactivated",
  "staff.activated",
  "wechat_account.created",
  "wechat_account.updated",
  "wechat_account.removed",
  "mailbox.created",
  "mailbox.removed",
  "voice_account.created",
  "voice_account.updated",
  "voice_account.removed",
  "channel.secret_rotated",
  "routing_settings.updated",
];

/** "from" and "to" days as instants: the start of `from`, the end of `to`, on the reader's clock. */
function dayBounds(fromDay, toDay) {
  const bounds = {};
  if (fromDay) bounds.from = dayStart(fromDay, new Date(`${fromDay}T00:00`).getTimezoneOffset());
  if (toDay) {
    const next = new Date(`${toDay}T00:00`);
    next.setDate(next.getDate() + 1);
    const iso = `${next.getFullYear()}-${String(next.getMonth() + 1).padStart(2, "0")}-${String(next.getDate()).padStart(2, "0")}`;
    bounds.to = dayStart(iso, next.getTimezoneOffset());
  }
  return bounds;
}

export function auditTab() {
  const root = el("div", { className: "admin-page", attrs: { "data-testid": "admin-audit" } });
  const names = new Map(); // staff id -> name, for subjects that are people
  const action = input("admin-audit-action", { maxlength: 64, list: "admin-audit-actions", spellcheck: "false" });
  const actions = el("datalist", { attrs: { id: "admin-audit-actions" } }, ACTIONS.map((value) => el("option", { attrs: { value } })));
  const subject = select("admin-audit-subject", [
    { value: "", label: t("admin.audit.anySubject") },
    ...SUBJECTS.map((value) => ({ value, label: t(`admin.audit.type.${value}`) })),
  ]);
  const actor = select("admin-audit-actor", [{ value: "", label: t("admin.audit.anyone") }]);
  const from = input("admin-audit-from", { type: "date" });
  const to = input("admin-audit-to", { type: "date" });
  const apply = button(t("admin.audit.apply"), "button button-quiet", "admin-audit-apply", "submit");
  const filterAttrs = { role: "search", "aria-label": t("admin.filters"), "data-testid": "admin-audit-filters" };
  const filters = el("form", { className: "admin-filters", attrs: filterAttrs }, [
    labelled(t("admin.audit.action"), action.node),
    actions,
    labelled(t("admin.audit.subjectType"), subject.node),
    labelled(t("admin.audit.actor"), actor.node),
    labelled(t("admin.audit.from"), from.node),
    labelled(t("admin.audit.to"), to.node),
    apply,
  ]);
  const status = statusLine("admin-audit-status");
  const body = el("tbody", { attrs: { "data-testid": "admin-audit-rows" } });
  const table = el("table", { className: "admin-table", attrs: { "data-testid": "admin-audit-table" } }, [
    el("caption", { className: "sr-only", text: t("admin.audit.title") }),
    el("thead", {}, [
      el(
        "tr",
        {},
        ["admin.audit.when", "admin.audit.who", "admin.audit.action", "admin.audit.subject", "admin.audit.details"].map((key) =>
          el("th", { text: t(key), attrs: { scope: "col" } }),
        ),
      ),
    ]),
    body,
  ]);
  const more = button(t("admin.audit.more"), "button button-quiet", "admin-audit-more");
  more.hidden = true;
  root.append(pageHeader(t("admin.audit.title")).el, filters, status, el("div", { className: "admin-table-wrap" }, [table]), more);
  const view = { ticket: 0, before: null };

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    load(false);
  });
  more.addEventListener("click", () => load(true));

  function query() {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (action.get()) params.set("action", action.get());
    if (subject.get()) params.set("subject_type", subject.get());
    if (actor.get()) params.set("actor_id", actor.get());
    for (const [name, value] of Object.entries(dayBounds(from.get(), to.get()))) params.set(name, value);
    return params;
  }

  async function load(next) {
    const mine = ++view.ticket;
    const params = query();
    if (next && view.before) params.set("before", String(view.before));
    showText(status, t("admin.loading"));
    more.disabled = true;
    let answer;
    try {
      answer = await api("GET", `/api/audit?${params}`);
    } catch (err) {
      if (mine !== view.ticket) return;
      if (err && err.status === 401) sessionEnded();
      else showText(status, err.message);
      more.disabled = false;
      return;
    }
    if (mine !== view.ticket) return;
    if (!next) body.replaceChildren();
    body.append(...answer.entries.map(row));
    view.before = answer.next_before;
    more.hidden = !answer.next_before;
    more.disabled = false;
    showText(status, body.childElementCount ? "" : t("admin.audit.empty"));
  }

  function row(entry) {
    const who = entry.actor.name || (entry.actor.kind === "staff" ? t("common.aColleague") : entry.actor.kind);
    const data = entry.data || {};
    const named = entry.subject.type === "staff" ? names.get(entry.subject.id) : data.code || data.account || data.address || data.number;
    const subjectText = [entry.subject.type, named || (entry.subject.id || "").slice(0, 8)].filter(Boolean).join(" · ");
    return el("tr", { attrs: { "data-testid": "admin-audit-row", "data-action": entry.action } }, [
      el("td", {}, [el("time", { text: when(entry.at), attrs: { datetime: entry.at } })]),
      el("td", { text: who }),
      el("td", {}, [el("code", { text: entry.action, attrs: { "data-testid": "admin-audit-action-name" } })]),
      el("td", { text: subjectText }),
      el("td", { className: "admin-audit-details", text: auditSummary(data) }),
    ]);
  }

  async function show() {
    try {
      const people = (await api("GET", "/api/staff")).staff;
      names.clear();
      for (const person of people) names.set(person.id, person.name);
      const chosen = actor.get();
      actor.fill([{ value: "", label: t("admin.audit.anyone") }, ...people.map((person) => ({ value: person.id, label: person.name }))]);
      actor.set(chosen);
    } catch (err) {
      if (err && err.status === 401) {
        sessionEnded();
        return;
      }
      // The log still reads without names.
    }
    await load(false);
  }

  return { el: root, show };
}
