/**
 * The headline figures of the period, one tile each. Attributed sales show one amount per
 * currency, one below the other: amounts in different currencies are never added up.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { NO_FIGURE, count, csat, duration, nps, percent, salesLines } from "./insights-format.js";

const part = (totals, name) => (totals && totals[name]) || {};

/** A duration's median, with its 90th percentile beneath when there is one. */
function spread(figure) {
  const known = figure.p90 !== null && figure.p90 !== undefined;
  return { value: duration(figure.median), note: known ? t("insights.tiles.p90", { value: duration(figure.p90) }) : "" };
}

/** metric -> (totals, answer) -> {value: string | string[], note: string}. */
const TILES = {
  conversations: (m) => ({ value: count(m.conversations), note: "" }),
  firstResponse: (m) => spread(part(m, "first_response_seconds")),
  wait: (m) => spread(part(m, "wait_seconds")),
  abandonment: (m) => ({
    value: percent(m.abandonment_rate),
    note: t("insights.tiles.abandoned", { count: Number(m.abandoned) || 0 }),
  }),
  csat: (m) => {
    const figure = part(m, "csat");
    return { value: csat(figure.average), note: t("insights.tiles.responses", { count: Number(figure.responses) || 0 }) };
  },
  nps: (m) => {
    const figure = part(m, "nps");
    return { value: nps(figure.score), note: t("insights.tiles.responses", { count: Number(figure.responses) || 0 }) };
  },
  conversion: (m) => {
    const figure = part(m, "appointments");
    return {
      value: percent(figure.conversion_rate),
      note: t("insights.tiles.fromConversations", { count: Number(figure.from_conversations) || 0 }),
    };
  },
  showRate: (m) => {
    const figure = part(m, "appointments");
    const kept = { completed: count(figure.completed), missed: count(figure.no_show) };
    return { value: percent(figure.show_rate), note: t("insights.tiles.kept", kept) };
  },
  sales: (m, answer) => {
    const lines = salesLines(m.sales);
    return {
      value: lines.length ? lines : NO_FIGURE,
      note: t("insights.tiles.salesWindow", { count: Number(answer.attribution_days) || 0 }),
    };
  },
};

function tile(metric) {
  const value = el("p", { className: "insights-tile-value", attrs: { "data-testid": "insights-tile-value" } });
  const note = el("p", { className: "insights-tile-note" });
  const root = el("li", { className: "insights-tile", attrs: { "data-testid": "insights-tile", "data-metric": metric } }, [
    el("p", { className: "insights-tile-label", text: t(`insights.tiles.${metric}`) }),
    value,
    note,
  ]);
  return { root, value, note };
}

/** Returns {el, render(answer)}. */
export function insightsTiles() {
  const tiles = new Map(Object.keys(TILES).map((metric) => [metric, tile(metric)]));
  const root = el("ul", { className: "insights-tiles", attrs: { "aria-label": t("insights.tiles.label") } }, [
    ...[...tiles.values()].map((x) => x.root),
  ]);
  return {
    el: root,
    render(answer) {
      const totals = (answer && answer.totals) || {};
      for (const [metric, parts] of tiles) {
        const { value, note } = TILES[metric](totals, answer || {});
        if (Array.isArray(value)) {
          parts.value.replaceChildren(...value.map((line) => el("span", { className: "insights-tile-line", text: line })));
        } else {
          parts.value.textContent = value;
        }
        parts.note.textContent = note;
      }
    },
  };
}
