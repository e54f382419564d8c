/**
 * The dashboard's filters: the period (the last 30 days unless chosen), how to group, and
 * optionally one of the manager's boutiques and one channel. The same query serves the
 * figures and every CSV download, so a file always matches what is on screen.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { browserZone } from "../shared/time.js";
import { channelLabel } from "./channels.js";

const GROUPINGS = ["store", "country", "channel", "ambassador"];
// The channels the hub reports on (hub/insights/definitions.py CHANNELS).
const CHANNELS = ["webchat", "wechat", "email", "voice"];
const DEFAULT_DAYS = 30;

const option = (value, text) => el("option", { text, attrs: { value } });

/** A local calendar day as YYYY-MM-DD (what <input type=date> holds). */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last 30 days, today included. */
export function defaultPeriod(today = new Date()) {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DEFAULT_DAYS - 1));
  return { from: isoDay(from), to: isoDay(today) };
}

/**
 * Days are counted on a boutique's clock: the chosen one's, or the manager's boutiques'
 * when they share one zone; across zones, the manager's own.
 */
function zoneFor(stores, code) {
  const chosen = stores.filter((s) => !code || s.code === code);
  const zones = new Set(chosen.map((s) => s.timezone).filter(Boolean));
  return zones.size === 1 ? [...zones][0] : browserZone();
}

function field(id, labelKey, control) {
  return el("div", { className: "insights-filter" }, [el("label", { text: t(labelKey), attrs: { for: id } }), control]);
}

/** onChange(): a filter changed. Returns {el, setup(stores), query() -> {params} | {error}}. */
export function insightsFilters(onChange) {
  const from = el("input", { attrs: { id: "insights-from", type: "date", required: "", "data-testid": "insights-from" } });
  const to = el("input", { attrs: { id: "insights-to", type: "date", required: "", "data-testid": "insights-to" } });
  const by = el("select", { attrs: { id: "insights-by", "data-testid": "insights-by" } });
  const store = el("select", { attrs: { id: "insights-store", "data-testid": "insights-store" } });
  const channel = el("select", { attrs: { id: "insights-channel", "data-testid": "insights-channel" } });
  const root = el("form", { className: "insights-filters", attrs: { novalidate: "", "aria-label": t("insights.filters.label") } }, [
    field("insights-from", "insights.filters.from", from),
    field("insights-to", "insights.filters.to", to),
    field("insights-by", "insights.filters.by", by),
    field("insights-store", "insights.filters.store", store),
    field("insights-channel", "insights.filters.channel", channel),
  ]);
  let stores = [];
  root.addEventListener("submit", (event) => event.preventDefault());
  for (const control of [from, to, by, store, channel]) control.addEventListener("change", onChange);

  function fillChoices() {
    by.replaceChildren(...GROUPINGS.map((g) => option(g, t(`insights.by.${g}`))));
    store.replaceChildren(
      option("", t("insights.filters.allStores")),
      ...stores.map((s) => option(s.code, s.name && s.name !== s.code ? `${s.name} \u00b7 ${s.code}` : s.code)),
    );
    channel.replaceChildren(option("", t("insights.filters.allChannels")), ...CHANNELS.map((c) => option(c, channelLabel(c))));
  }

  return {
    el: root,
    /** stores: the signed-in manager's boutiques ({code, name, timezone}). */
    setup(mine) {
      stores = mine;
      const kept = { by: by.value, store: store.value, channel: channel.value };
      fillChoices();
      by.value = kept.by || "store";
      store.value = stores.some((s) => s.code === kept.store) ? kept.store : "";
      channel.value = kept.channel;
      if (!from.value || !to.value) {
        const period = defaultPeriod();
        from.value = period.from;
        to.value = period.to;
      }
    },
    /** The API query for the chosen filters, or null (with the reason) when they make no period. */
    query() {
      if (!from.value || !to.value) return { error: t("insights.filters.missingDates") };
      if (from.value > to.value) return { error: t("insights.filters.badRange") };
      const params = new URLSearchParams({ from: from.value, to: to.value, by: by.value || "store" });
      if (store.value) params.set("store", store.value);
      if (channel.value) params.set("channel", channel.value);
      params.set("timezone", zoneFor(stores, store.value));
      return { params };
    },
  };
}
