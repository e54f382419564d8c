/**
 * The calendar's filters, for managers: whose appointments (everyone, themselves, or one
 * colleague from `GET /api/ambassadors`, which lists the others) and, with several
 * boutiques, which boutique. Ambassadors see their own calendar and no filters.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { isManager } from "./session.js";
import { state } from "./state.js";

const option = (value, text) => el("option", { text, attrs: { value } });

/** onChange(): a filter changed. Returns {el, setup(stores), values(), reset()}. */
export function calendarFilters(onChange) {
  const ambassador = el("select", { attrs: { id: "calendar-ambassador", "data-testid": "calendar-ambassador" } });
  const store = el("select", { attrs: { id: "calendar-store", "data-testid": "calendar-store" } });
  const ambassadorField = el("div", { className: "calendar-filter" }, [
    el("label", { text: t("calendar.ambassador"), attrs: { for: "calendar-ambassador" } }),
    ambassador,
  ]);
  const storeField = el("div", { className: "calendar-filter" }, [
    el("label", { text: t("calendar.store"), attrs: { for: "calendar-store" } }),
    store,
  ]);
  const root = el("div", { className: "calendar-filters" }, [storeField, ambassadorField]);
  root.hidden = true;
  let ready = false;
  ambassador.addEventListener("change", onChange);
  store.addEventListener("change", onChange);

  async function loadColleagues() {
    const me = state.staff || {};
    const you = t("calendar.you", { name: me.name || me.email || "" });
    ambassador.replaceChildren(option("", t("calendar.everyone")), option(me.id || "", you));
    let people = [];
    try {
      const data = await api("GET", "/api/ambassadors");
      people = (data && data.ambassadors) || [];
    } catch (err) {
      ambassador.title = err.message || t("calendar.colleaguesFailed");
      ready = false; // the next opening asks again
      return;
    }
    const chosen = ambassador.value;
    ambassador.append(...people.filter((p) => p.id !== me.id).map((p) => option(p.id, p.name || p.id)));
    ambassador.value = chosen;
  }

  return {
    el: root,
    /** stores: the manager's boutiques ({code, name}); fills the choices once per session. */
    setup(stores) {
      root.hidden = !isManager();
      if (!isManager() || ready) return;
      ready = true;
      store.replaceChildren(
        option("", t("calendar.allStores")),
        ...stores.map((s) => option(s.code, s.name && s.name !== s.code ? `${s.name} \u00b7 ${s.code}` : s.code)),
      );
      storeField.hidden = stores.length < 2;
      loadColleagues();
    },
    values() {
      if (!isManager()) return { store: "", ambassador: "" };
      return { store: store.value, ambassador: ambassador.value };
    },
    reset() {
      ready = false;
      ambassador.replaceChildren();
      store.replaceChildren();
      root.hidden = true;
    },
  };
}
