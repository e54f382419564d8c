/**
 * The managers' dashboard ("Insights"): the figures of their boutiques over a period, grouped
 * by boutique, country, channel or ambassador — headline tiles, seven charts each downloadable
 * as CSV, and the same figures as a table. It takes the whole workspace's place while open
 * (the charts need the width); ambassadors never see the entry, and the hub answers them 403.
 */
import { button, el, showText } from "../shared/dom.js";
import { formatCalendarDay, t } from "../shared/i18n.js";
import { closeCalendar } from "./calendar-view.js";
import { insightsChartCards } from "./insights-chart-cards.js";
import { downloadCsv, fetchInsights } from "./insights-data.js";
import { insightsFilters } from "./insights-filters.js";
import { insightsTable } from "./insights-table.js";
import { insightsTiles } from "./insights-tiles.js";
import { announce } from "./notices.js";
import { closeQueueBoard } from "./queue-board.js";
import { isManager, sessionEnded } from "./session.js";
import { myStores } from "./stores.js";
import { openingView, registerView } from "./views.js";

const $ = (id) => document.getElementById(id);
const view = { open: false, ticket: 0, params: null, parts: null };

function parts() {
  if (view.parts) return view.parts;
  const root = $("insights-view");
  const title = el("h2", { text: t("insights.title"), attrs: { id: "insights-title", tabindex: "-1" } });
  const period = el("p", { className: "board-sub", attrs: { "data-testid": "insights-period", "aria-live": "polite" } });
  const close = button(t("insights.close"), "button button-quiet", "insights-close");
  const error = el("p", { className: "form-error board-error", attrs: { role: "alert", "data-testid": "insights-error" } });
  const loading = el("p", { className: "empty board-loading", text: t("insights.loading"), attrs: { role: "status" } });
  const filters = insightsFilters(refresh);
  const tiles = insightsTiles();
  const charts = insightsChartCards(onDownload);
  const table = insightsTable();
  error.hidden = true;
  close.addEventListener("click", () => {
    closeInsights();
    $("insights-open").focus();
  });
  root.replaceChildren(
    el("header", { className: "board-header" }, [el("div", { className: "board-title" }, [title, period]), close]),
    el("div", { className: "insights-body" }, [
      filters.el,
      error,
      loading,
      tiles.el,
      charts.el,
      el("h3", { className: "insights-table-title", text: t("insights.table.title") }),
      table.el,
    ]),
  );
  view.parts = { root, title, period, error, loading, filters, tiles, charts, table };
  return view.parts;
}

function fail(err) {
  if (err && err.status === 401) sessionEnded();
  else showText(parts().error, (err && err.message) || t("insights.failed"));
}

function setBusy(busy) {
  const p = parts();
  p.root.dataset.state = busy ? "loading" : "ready";
  p.root.setAttribute("aria-busy", String(busy));
  p.loading.hidden = !busy;
}

/** Fetches the figures for the filters on screen; an older answer arriving late is ignored. */
async function refresh() {
  if (!view.open) return;
  const p = parts();
  const { params, error } = p.filters.query();
  if (error) {
    showText(p.error, error);
    return;
  }
  const ticket = ++view.ticket;
  setBusy(true);
  let answer;
  try {
    answer = await fetchInsights(params);
  } catch (err) {
    if (ticket !== view.ticket) return;
    setBusy(false);
    fail(err);
    return;
  }
  if (ticket !== view.ticket || !view.open) return;
  showText(p.error, "");
  view.params = params;
  const shown = answer.period || {};
  p.period.textContent = t("insights.period", {
    from: formatCalendarDay(shown.from),
    to: formatCalendarDay(shown.to),
    zone: shown.timezone || params.get("timezone"),
  });
  p.tiles.render(answer);
  p.table.render(answer);
  try {
    await p.charts.render(answer);
  } catch (err) {
    fail(err);
  }
  if (ticket === view.ticket) setBusy(false);
}

/** "Download CSV" on a chart: the file of the figures on screen (the last answer's filters). */
async function onDownload(chart, control) {
  if (!view.params) return;
  control.disabled = true;
  try {
    await downloadCsv(chart, view.params);
    announce(t("insights.csv.saved"));
  } catch (err) {
    fail(err);
  } finally {
    control.disabled = false;
  }
}

async function openInsights() {
  if (!isManager() || view.open) return;
  openingView("insights");
  closeQueueBoard({ restoreView: false });
  closeCalendar({ restoreView: false });
  const p = parts();
  view.open = true;
  $("main").dataset.insights = "open";
  p.root.hidden = false;
  $("insights-open").setAttribute("aria-expanded", "true");
  p.title.focus();
  let stores;
  try {
    stores = await myStores();
  } catch (err) {
    fail(err);
    return;
  }
  if (!view.open) return;
  p.filters.setup(stores);
  refresh();
}

/** Back to the conversations; nothing fetched for the dashboard is kept running. */
export function closeInsights() {
  if (!view.open) return;
  view.open = false;
  view.ticket += 1;
  delete $("main").dataset.insights;
  parts().root.hidden = true;
  $("insights-open").setAttribute("aria-expanded", "false");
}

/** After sign-in: the entry is for managers and admins only. */
export function setupInsights() {
  $("insights-open").hidden = !isManager();
}

/** Signed out: nothing of the last session's figures is kept. */
export function resetInsights() {
  closeInsights();
  $("insights-open").hidden = true;
  view.params = null;
  if (view.parts) {
    // Built afresh next time: the next person may read another language.
    view.parts.charts.clear();
    view.parts.root.replaceChildren();
    view.parts = null;
  }
}

export function wireInsights() {
  registerView("insights", closeInsights);
  $("insights-open").addEventListener("click", () => (view.open ? closeInsights() : openInsights()));
  // The calendar and the live queue live in the workspace: opening either leaves the dashboard.
  for (const id of ["calendar-open", "queue-board-open"]) $(id).addEventListener("click", () => closeInsights());
}
