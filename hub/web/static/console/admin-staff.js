/**
 * Administration → Staff: the colleagues in reach (filtered by store and state), the
 * invitation form, and a person's page (console/admin-person.js). The roles offered are
 * the ones the caller may give (a manager: ambassador and manager); the stores, the ones
 * they manage. The hub decides anyway (docs/staff-admin.md) and its refusals are shown.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { isAdmin, storeOptions, when } from "./admin-data.js";
import { adminForm, checkboxes, input, languageOptions, pageHeader, select, statusLine, wordList } from "./admin-forms.js";
import { personPage } from "./admin-person.js";
import { announce } from "./notices.js";
import { sessionEnded } from "./session.js";

const STATES = ["active", "invited", "deactivated"];

/** The roles the signed-in person may give, as <select> options. */
export function roleOptions() {
  const roles = isAdmin() ? ["ambassador", "manager", "admin"] : ["ambassador", "manager"];
  return roles.map((role) => ({ value: role, label: t(`admin.role.${role}`) }));
}

/** The invitation's fields, also used to send a pending invitation again. */
export function invitationBody(form) {
  const body = {
    email: form.value("email"),
    name: form.value("name"),
    role: form.value("role"),
    stores: form.value("stores"),
    languages: form.value("languages"),
    skills: wordList(form.value("skills")),
  };
  const capacity = form.value("capacity");
  if (capacity !== "") body.capacity = Number.isFinite(Number(capacity)) ? Number(capacity) : capacity;
  return body;
}

export function staffTab() {
  const root = el("div", { className: "admin-page", attrs: { "data-testid": "admin-staff" } });
  const filters = { store: "", state: "" };
  let ticket = 0; // the page shown
  let loads = 0; // the list's latest fetch

  function fail(err, line) {
    if (err && err.status === 401) sessionEnded();
    else showText(line, (err && err.message) || t("common.somethingWentWrong"));
  }

  async function showList(notice) {
    const mine = ++ticket;
    const header = pageHeader(t("admin.staff.title"));
    const invite = button(t("admin.staff.invite"), "button button-primary", "admin-staff-invite");
    invite.addEventListener("click", showInvite);
    const storeFilter = select("admin-staff-filter-store", [{ value: "", label: t("admin.staff.allStores") }]);
    const stateFilter = select("admin-staff-filter-state", [
      { value: "", label: t("admin.staff.allStates") },
      ...STATES.map((name) => ({ value: name, label: t(`admin.staff.state.${name}`) })),
    ]);
    stateFilter.set(filters.state);
    const filterBar = el("div", { className: "admin-filters", attrs: { role: "group", "aria-label": t("admin.filters") } }, [
      labelled(t("admin.staff.store"), storeFilter.node),
      labelled(t("admin.staff.stateLabel"), stateFilter.node),
    ]);
    const done = el("p", { className: "admin-saved", attrs: { role: "status", "data-testid": "admin-staff-notice" } });
    showText(done, notice || "");
    const status = statusLine("admin-staff-status");
    const list = el("ul", { className: "admin-list", attrs: { "data-testid": "admin-staff-list" } });
    root.replaceChildren(el("div", { className: "admin-toolbar" }, [header.el, invite]), filterBar, done, status, list);
    storeFilter.node.addEventListener("change", () => {
      filters.store = storeFilter.get();
      load();
    });
    stateFilter.node.addEventListener("change", () => {
      filters.state = stateFilter.get();
      load();
    });
    storeOptions()
      .then((options) => {
        if (mine !== ticket) return;
        storeFilter.fill([{ value: "", label: t("admin.staff.allStores") }, ...options]);
        storeFilter.set(filters.store);
      })
      .catch(() => {}); // the list below reports the failure

    async function load() {
      const asked = ++loads;
      showText(status, t("admin.loading"));
      const query = new URLSearchParams();
      if (filters.store) query.set("store", filters.store);
      if (filters.state) query.set("active", String(filters.state === "active"));
      let people;
      try {
        people = (await api("GET", `/api/staff?${query}`)).staff;
      } catch (err) {
        if (asked === loads && mine === ticket) fail(err, status);
        return;
      }
      if (asked !== loads || mine !== ticket) return;
      if (filters.state) people = people.filter((person) => person.status === filters.state);
      showText(status, people.length ? "" : t("admin.staff.empty"));
      list.replaceChildren(...people.map(personRow));
    }
    await load();
  }

  function personRow(person) {
    const open = button(person.name, "admin-row-main", "admin-staff-open");
    open.addEventListener("click", () => showPerson(person.id));
    const badge = el("span", {
      className: `admin-badge admin-badge-${person.status}`,
      text: t(`admin.staff.state.${person.status}`),
      attrs: { "data-testid": "admin-staff-status", "data-status": person.status },
    });
    const meta = el("p", {
      className: "admin-row-meta",
      text: [person.email, t(`admin.role.${person.role}`), (person.stores || []).join(", ")].join(" · "),
    });
    const attrs = { "data-testid": "admin-staff-row", "data-email": person.email };
    return el("li", { className: "admin-row", attrs }, [open, badge, meta]);
  }

  async function showInvite() {
    ++ticket;
    const header = pageHeader(t("admin.staff.invite"), { back: () => showList(), backTestid: "admin-staff-back" });
    const form = adminForm({
      testid: "admin-invite-form",
      submitLabel: t("admin.staff.sendInvitation"),
      onSubmit: async () => {
        const answer = await api("POST", "/api/staff/invitations", invitationBody(form));
        const text = t("admin.staff.invited", { email: answer.staff.email, date: when(answer.expires_at) });
        announce(text);
        await showList(text);
      },
    });
    form.add("email", t("admin.staff.email"), input("admin-invite-email", { type: "email", maxlength: 254, autocomplete: "off" }));
    form.add("name", t("admin.staff.name"), input("admin-invite-name", { maxlength: 200 }));
    form.add("role", t("admin.staff.role"), select("admin-invite-role", roleOptions()));
    const stores = form.add("stores", t("admin.staff.stores"), checkboxes("admin-invite-stores"), { wide: true });
    form.add("languages", t("admin.staff.languages"), checkboxes("admin-invite-languages", languageOptions()), {
      hint: t("admin.staff.languagesHint"),
      wide: true,
    });
    form.add("skills", t("admin.staff.skills"), input("admin-invite-skills", { maxlength: 400 }), { hint: t("admin.staff.skillsHint") });
    form.add("capacity", t("admin.staff.capacity"), input("admin-invite-capacity", { type: "number", min: 1, max: 50, step: 1 }), {
      hint: t("admin.staff.capacityHint"),
    });
    root.replaceChildren(header.el, form.el);
    header.heading.focus();
    try {
      const options = await storeOptions();
      stores.fill(options);
      if (options.length === 1) stores.set([options[0].value]);
    } catch (err) {
      form.showError(err);
    }
  }

  function showPerson(id) {
    ++ticket;
    personPage(root, id, { back: (notice) => showList(notice) });
  }

  return { el: root, show: () => showList() };
}

/** A small labelled control for a filter bar. */
let filterIds = 0;

export function labelled(text, control) {
  const id = `admin-filter-${++filterIds}`;
  control.id = id;
  return el("div", { className: "admin-filter" }, [el("label", { text, attrs: { for: id } }), control]);
}
