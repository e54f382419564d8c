/**
 * One colleague's page: their profile (role, stores, languages, skills, capacity), weekly
 * hours per store, time off, and switching the account off or on (or sending a pending
 * invitation again). What the caller may not change is shown but disabled, with the reason;
 * the hub's refusals still appear where they apply.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { reachableStores, seg, when } from "./admin-data.js";
import { adminForm, checkboxes, input, languageOptions, pageHeader, section, select, statusLine } from "./admin-forms.js";
import { changedFields, numberOrText, powers, storesPart, wordList } from "./admin-rules.js";
import { schedulesSection, timeOffSection } from "./admin-person-calendar.js";
import { inlineConfirm } from "./inline-confirm.js";
import { announce } from "./notices.js";
import { sessionEnded } from "./session.js";
import { state } from "./state.js";

/** Fills `root` with person `id`'s page; back(notice) returns to the list. */
export async function personPage(root, id, { back }) {
  const header = pageHeader(t("admin.person.title"), { back: () => back(), backTestid: "admin-staff-back", testid: "admin-person-title" });
  const status = statusLine("admin-person-status");
  root.replaceChildren(header.el, status);
  header.heading.focus();
  showText(status, t("admin.loading"));
  let detail;
  let mine;
  try {
    [detail, mine] = await Promise.all([api("GET", `/api/staff/${seg(id)}`), reachableStores()]);
  } catch (err) {
    if (err && err.status === 401) sessionEnded();
    else showText(status, (err && err.message) || t("common.somethingWentWrong"));
    return;
  }
  if (!header.el.isConnected) return; // left meanwhile
  showText(status, "");
  let person = detail.staff;
  const can = powers(state.staff, person, mine.map((store) => store.code));
  header.heading.textContent = person.name;

  const badge = el("p", { className: "admin-person-state" });
  function renderState() {
    badge.replaceChildren(
      el("span", {
        className: `admin-badge admin-badge-${person.status}`,
        text: t(`admin.staff.state.${person.status}`),
        attrs: { "data-testid": "admin-person-status", "data-status": person.status },
      }),
      el("span", { className: "admin-row-meta", text: ` ${person.email}` }),
    );
  }
  renderState();
  const reason = el("p", { className: "notice", attrs: { "data-testid": "admin-person-limited" } });
  showText(reason, can.reason ? t(`admin.person.limit.${can.reason}`) : "");

  const profile = profileForm(person, can, (updated) => {
    person = updated;
    header.heading.textContent = person.name;
    renderState();
  });
  root.append(
    badge,
    reason,
    profile.el,
    schedulesSection(person, detail.schedules || [], can, mine),
    timeOffSection(person, detail.time_off || [], can, mine),
    accountSection(person, can, (updated, notice) => {
      person = updated;
      renderState();
      announce(notice);
      back(notice);
    }),
  );
}

function profileForm(person, can, onSaved) {
  const saved = el("p", { className: "admin-saved", attrs: { role: "status", "data-testid": "admin-person-saved" } });
  saved.hidden = true;
  let current = person;
  const form = adminForm({
    testid: "admin-person-form",
    submitLabel: t("admin.save"),
    onSubmit: async () => {
      showText(saved, "");
      const after = {};
      if (can.editWhole) {
        after.name = form.value("name");
        after.languages = form.value("languages");
        after.skills = wordList(form.value("skills")).map((word) => word.toLowerCase());
        after.capacity = numberOrText(form.value("capacity"));
      }
      if (can.editRole) after.role = form.value("role");
      const before = { ...current, stores: storesPart(current.stores, can.grantable) };
      after.stores = storesPart(form.value("stores"), can.grantable);
      const changes = changedFields(before, after);
      if (Object.keys(changes).length === 0) {
        showText(saved, t("admin.nothingChanged"));
        return;
      }
      const answer = await api("PATCH", `/api/staff/${seg(current.id)}`, changes);
      current = answer.staff;
      onSaved(current);
      showText(saved, t("admin.saved"));
    },
  });
  form.add("name", t("admin.staff.name"), input("admin-person-name", { maxlength: 200 }));
  const roles = can.roles.map((r) => ({ value: r, label: t(`admin.role.${r}`) }));
  const role = form.add("role", t("admin.staff.role"), select("admin-person-role", roles));
  if (!can.roles.includes(person.role)) role.fill([{ value: person.role, label: t(`admin.role.${person.role}`) }]);
  const stores = form.add("stores", t("admin.staff.stores"), checkboxes("admin-person-stores"), { wide: true });
  const languages = checkboxes("admin-person-languages", languageOptions(person.languages));
  form.add("languages", t("admin.staff.languages"), languages, { wide: true });
  form.add("skills", t("admin.staff.skills"), input("admin-person-skills", { maxlength: 400 }), { hint: t("admin.staff.skillsHint") });
  form.add("capacity", t("admin.staff.capacity"), input("admin-person-capacity", { type: "number", min: 1, max: 50, step: 1 }), {
    hint: t("admin.staff.capacityHint"),
  });
  form.actions.append(saved);

  // Their stores and the caller's, each once; the ones the caller does not manage are locked.
  reachableStores().then((reach) => {
    const codes = [...new Set([...(person.stores || []), ...reach.map((store) => store.code)])].sort();
    const names = new Map(reach.map((store) => [store.code, store.name]));
    stores.fill(codes.map((code) => ({ value: code, label: names.has(code) ? `${code} — ${names.get(code)}` : code })));
    stores.set(person.stores);
    stores.disable(codes.filter((code) => !can.grantable(code)));
  }, form.showError);
  form.set("name", person.name);
  form.set("role", person.role);
  form.set("languages", person.languages);
  form.set("skills", (person.skills || []).join(", "));
  form.set("capacity", person.capacity);
  for (const name of ["name", "languages", "skills", "capacity"]) lock(form, name, !can.editWhole);
  lock(form, "role", !can.editRole);
  if (!can.schedules) form.readOnly(true);
  return form;
}

function lock(form, name, locked) {
  const node = form.field(name).node;
  for (const part of node.matches("input,select") ? [node] : node.querySelectorAll("input")) part.disabled = locked;
}

/** Deactivate (with a confirmation), activate, or send a pending invitation again. */
function accountSection(person, can, done) {
  const parts = [];
  const error = el("p", { className: "form-error", attrs: { role: "alert", "data-testid": "admin-person-error" } });
  error.hidden = true;
  const run = async (control, call) => {
    control.disabled = true;
    showText(error, "");
    try {
      await call();
    } catch (err) {
      if (err && err.status === 401) sessionEnded();
      else showText(error, err.message);
      control.disabled = false;
    }
  };
  if (can.deactivate) {
    const confirm = inlineConfirm({
      message: t("admin.person.deactivateConfirm", { name: person.name }),
      confirmLabel: t("admin.person.deactivate"),
      testid: "admin-person-deactivate",
      onConfirm: async () => {
        const answer = await api("POST", `/api/staff/${seg(person.id)}/deactivate`);
        done(answer.staff, t("admin.person.deactivated", { name: answer.staff.name }));
      },
    });
    const open = button(t("admin.person.deactivate"), "button button-danger-outline", "admin-person-deactivate");
    open.addEventListener("click", () => confirm.open());
    parts.push(el("p", { className: "field-hint", text: t("admin.person.deactivateHint") }), open, confirm.el);
  }
  if (can.activate) {
    const activate = button(t("admin.person.activate"), "button button-quiet", "admin-person-activate");
    activate.addEventListener("click", () =>
      run(activate, async () => {
        const answer = await api("POST", `/api/staff/${seg(person.id)}/activate`);
        done(answer.staff, t("admin.person.activated", { name: answer.staff.name }));
      }),
    );
    parts.push(activate);
  }
  if (can.resend) {
    const resend = button(t("admin.person.resend"), "button button-quiet", "admin-person-resend");
    const sent = person.invitation ? t("admin.person.invitationSent", { date: when(person.invitation.sent_at) }) : "";
    resend.addEventListener("click", () =>
      run(resend, async () => {
        const { email, name, role, stores, languages, skills } = person;
        const body = { email, name, role, stores, languages, skills };
        if (person.capacity) body.capacity = person.capacity;
        const answer = await api("POST", "/api/staff/invitations", body);
        done(answer.staff, t("admin.person.resent", { email: answer.staff.email, date: when(answer.expires_at) }));
      }),
    );
    parts.push(el("p", { className: "field-hint", text: sent }), resend);
  }
  if (!parts.length) return el("div");
  return section(t("admin.person.account"), [...parts, error], "admin-person-account");
}
