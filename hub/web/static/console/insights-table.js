/**
 * The figures of every group as a table under the charts: what a screen reader (or anyone
 * who wants exact numbers) reads instead of the bars. The totals close the table.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { OUTCOME_SERIES, groupLabel, outcomeName } from "./insights-charts.js";
import { NO_FIGURE, count, csat, duration, nps, percent, salesLines } from "./insights-format.js";

const get = (m, part, name) => (m && m[part] ? m[part][name] : null);

/** column -> cell text for a group's (or the totals') metrics. */
const COLUMNS = {
  conversations: (m) => count(m.conversations),
  firstResponse: (m) => duration(get(m, "first_response_seconds", "median")),
  wait: (m) => duration(get(m, "wait_seconds", "median")),
  abandoned: (m) =>
    m.abandonment_rate === null || m.abandonment_rate === undefined
      ? count(m.abandoned)
      : t("insights.table.countAndRate", { count: count(m.abandoned), rate: percent(m.abandonment_rate) }),
  csat: (m) => csat(get(m, "csat", "average")),
  nps: (m) => nps(get(m, "nps", "score")),
  conversion: (m) => percent(get(m, "appointments", "conversion_rate")),
  showRate: (m) => percent(get(m, "appointments", "show_rate")),
  sales: (m) => salesLines(m.sales),
  closed: (m) => count(get(m, "outcomes", "closed")),
};
// Then one column per outcome of the closed conversations: the outcomes chart's figures.
for (const outcome of OUTCOME_SERIES) {
  COLUMNS[`outcome-${outcome}`] = (m) => count(get(m, "outcomes", outcome));
}

/** A column's heading: "Outcome: Purchase" for an outcome's, else its own text. */
function heading(column) {
  if (!column.startsWith("outcome-")) return t(`insights.table.${column}`);
  return t("attention.outcome.shown", { outcome: outcomeName(column.slice("outcome-".length)) });
}

function cells(metrics) {
  return Object.entries(COLUMNS).map(([column, text]) => {
    const value = text(metrics || {});
    const cell = el("td", { attrs: { "data-column": column } });
    if (Array.isArray(value)) {
      if (!value.length) cell.textContent = NO_FIGURE;
      else cell.append(...value.map((line) => el("span", { className: "insights-cell-line", text: line })));
    } else {
      cell.textContent = value;
    }
    return cell;
  });
}

/** Returns {el, render(answer)}. */
export function insightsTable() {
  const caption = el("caption", { className: "insights-table-caption" });
  const head = el("tr", {}, [
    el("th", { attrs: { scope: "col", "data-column": "group" } }),
    ...Object.keys(COLUMNS).map((column) =>
      el("th", { text: heading(column), attrs: { scope: "col", "data-column": column } }),
    ),
  ]);
  const body = el("tbody");
  const foot = el("tfoot");
  const table = el("table", { className: "insights-table", attrs: { "data-testid": "insights-table" } }, [
    caption,
    el("thead", {}, [head]),
    body,
    foot,
  ]);
  const root = el("div", { className: "insights-table-wrap", attrs: { tabindex: "0", role: "region", "aria-labelledby": "insights-table-caption" } }, [table]);
  caption.id = "insights-table-caption";

  return {
    el: root,
    render(answer) {
      const by = answer.by || "store";
      caption.textContent = t(`insights.table.caption.${by}`);
      head.firstChild.textContent = t(`insights.by.${by}`);
      const groups = answer.groups || [];
      body.replaceChildren(
        ...groups.map((group) =>
          el("tr", { attrs: { "data-testid": "insights-row", "data-key": group.key ?? "" } }, [
            el("th", { text: groupLabel(group, by), attrs: { scope: "row" } }),
            ...cells(group),
          ]),
        ),
      );
      if (!groups.length) {
        const none = el("td", { className: "empty", text: t("insights.charts.empty"), attrs: { colspan: String(Object.keys(COLUMNS).length + 1) } });
        body.append(el("tr", {}, [none]));
      }
      foot.replaceChildren(
        el("tr", { attrs: { "data-testid": "insights-total-row" } }, [
          el("th", { text: t("insights.table.total"), attrs: { scope: "row" } }),
          ...cells(answer.totals),
        ]),
      );
    },
  };
}
