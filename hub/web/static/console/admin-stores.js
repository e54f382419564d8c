/**
 * Administration → Stores: the stores in reach, a "New store" form, and a store's page
 * (its details, special hours and appointment types). The hub checks every field with the
 * CLI's rules (`hub store add`); its refusals appear beside the field they name.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { browserZone } from "../shared/time.js";
import { api } from "./api.js";
import { appointmentTypesSection } from "./admin-appointment-types.js";
import { reachableStores, seg, storesChanged } from "./admin-data.js";
import {
  adminForm,
  checkbox,
  checkboxes,
  hoursText,
  input,
  languageOptions,
  pageHeader,
  select,
  statusLine,
  textarea,
  timeZoneOptions,
} from "./admin-forms.js";
import { specialHoursSection } from "./admin-special-hours.js";
import { languageName } from "./formats.js";
import { announce } from "./notices.js";
import { sessionEnded } from "./session.js";

const FIELDS = ["name", "timezone", "country", "languages", "address", "hours", "region", "service_centre", "relax_language"];

/** The fields of a store, new (with its code) or existing. */
function storeForm({ testid, submitLabel, store, onSubmit }) {
  const form = adminForm({ testid, submitLabel, onSubmit: () => onSubmit(values()) });
  if (!store) {
    const code = input(`${testid}-code`, { maxlength: 32, spellcheck: "false" });
    form.add("code", t("admin.store.code"), code, { hint: t("admin.store.codeHint") });
  }
  form.add("name", t("admin.store.name"), input(`${testid}-name`, { maxlength: 200 }));
  const zone = form.add("timezone", t("admin.store.timezone"), select(`${testid}-timezone`, timeZoneOptions()));
  const country = input(`${testid}-country`, { maxlength: 2, spellcheck: "false" });
  form.add("country", t("admin.store.country"), country, { hint: t("admin.store.countryHint") });
  const languages = checkboxes(`${testid}-languages`, languageOptions((store && store.languages) || []));
  form.add("languages", t("admin.store.languages"), languages, { wide: true });
  form.add("address", t("admin.store.address"), textarea(`${testid}-address`, { maxlength: 500 }), { wide: true });
  const hours = input(`${testid}-hours`, { maxlength: 300, spellcheck: "false" });
  form.add("hours", t("admin.store.hours"), hours, { hint: t("admin.store.hoursHint"), wide: true });
  form.add("region", t("admin.store.region"), input(`${testid}-region`, { maxlength: 32 }), { hint: t("admin.store.regionHint") });
  form.add("service_centre", t("admin.store.serviceCentre"), checkbox(`${testid}-service-centre`), {
    hint: t("admin.store.serviceCentreHint"),
  });
  form.add("relax_language", t("admin.store.relaxLanguage"), checkbox(`${testid}-relax-language`), {
    hint: t("admin.store.relaxLanguageHint"),
  });
  if (store) {
    for (const name of FIELDS) form.set(name, store[name]);
    form.set("hours", store.hours ?? hoursText(store.opening_hours));
  } else {
    zone.set(browserZone("Europe/Paris"));
    form.set("relax_language", true);
  }

  function values() {
    const body = {};
    if (!store) body.code = form.value("code").toUpperCase();
    for (const name of FIELDS) body[name] = form.value(name);
    for (const name of ["address", "hours", "region"]) if (body[name] === "") body[name] = null;
    body.country = body.country.toUpperCase();
    return body;
  }
  return form;
}

export function storesTab() {
  const root = el("div", { className: "admin-page", attrs: { "data-testid": "admin-stores" } });
  let ticket = 0;

  function fail(err, line) {
    if (err && err.status === 401) sessionEnded();
    else showText(line, (err && err.message) || t("common.somethingWentWrong"));
  }

  async function showList(highlight) {
    const mine = ++ticket;
    const header = pageHeader(t("admin.stores.title"));
    const create = button(t("admin.stores.new"), "button button-primary", "admin-store-new");
    create.addEventListener("click", showNew);
    const status = statusLine("admin-stores-status");
    const list = el("ul", { className: "admin-list", attrs: { "data-testid": "admin-store-list" } });
    root.replaceChildren(el("div", { className: "admin-toolbar" }, [header.el, create]), status, list);
    showText(status, t("admin.loading"));
    let stores;
    try {
      storesChanged();
      stores = await reachableStores();
    } catch (err) {
      if (mine === ticket) fail(err, status);
      return;
    }
    if (mine !== ticket) return;
    showText(status, stores.length ? "" : t("admin.stores.empty"));
    list.replaceChildren(...stores.map((store) => storeRow(store, store.code === highlight)));
  }

  function storeRow(store, fresh) {
    const open = button(`${store.code} — ${store.name}`, "admin-row-main", "admin-store-open");
    open.addEventListener("click", () => showStore(store.code));
    const meta = el("p", {
      className: "admin-row-meta",
      text: [store.timezone, store.country, (store.languages || []).map(languageName).join(", ")].filter(Boolean).join(" · "),
    });
    const row = el("li", { className: "admin-row", attrs: { "data-testid": "admin-store-row", "data-code": store.code } }, [open, meta]);
    if (fresh) row.classList.add("admin-row-fresh");
    return row;
  }

  function showNew() {
    ++ticket;
    const header = pageHeader(t("admin.stores.new"), { back: () => showList(), backTestid: "admin-store-back" });
    const form = storeForm({
      testid: "admin-store-form",
      submitLabel: t("admin.stores.create"),
      onSubmit: async (body) => {
        const answer = await api("POST", "/api/admin/stores", body);
        storesChanged();
        announce(t("admin.stores.created", { code: answer.store.code }));
        await showList(answer.store.code);
      },
    });
    root.replaceChildren(header.el, form.el);
    header.heading.focus();
  }

  async function showStore(code) {
    const mine = ++ticket;
    const header = pageHeader(code, { back: () => showList(), backTestid: "admin-store-back", testid: "admin-store-title" });
    const status = statusLine("admin-store-status");
    root.replaceChildren(header.el, status);
    header.heading.focus();
    showText(status, t("admin.loading"));
    let detail;
    try {
      detail = await api("GET", `/api/admin/stores/${seg(code)}`);
    } catch (err) {
      if (mine === ticket) fail(err, status);
      return;
    }
    if (mine !== ticket) return;
    showText(status, "");
    const store = detail.store;
    header.heading.textContent = `${store.code} — ${store.name}`;
    const saved = el("p", { className: "admin-saved", attrs: { role: "status", "data-testid": "admin-store-saved" } });
    saved.hidden = true;
    const form = storeForm({
      testid: "admin-store-edit",
      submitLabel: t("admin.save"),
      store,
      onSubmit: async (body) => {
        showText(saved, "");
        const answer = await api("PATCH", `/api/admin/stores/${seg(store.code)}`, body);
        storesChanged();
        header.heading.textContent = `${answer.store.code} — ${answer.store.name}`;
        showText(saved, t("admin.saved"));
      },
    });
    form.actions.append(saved);
    root.append(
      form.el,
      specialHoursSection(store, detail.special_hours || []),
      appointmentTypesSection(store, detail.appointment_types || []),
    );
  }

  return { el: root, show: () => showList() };
}
