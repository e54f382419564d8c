/**
 * The dashboard's chart cards: a title, the canvas Chart.js draws on, and "Download CSV".
 * Chart.js (npm `chart.js`, served as /static/vendor/chart.umd.js) is loaded the first time
 * a manager opens the dashboard, so ambassadors never download it. It sizes canvases through
 * the CSSOM, which the pages' `style-src 'self'` allows.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { CHARTS, chartConfigs } from "./insights-charts.js";

const CHART_JS = "/static/vendor/chart.umd.js";
const PALETTE_VARS = ["--insights-1", "--insights-2", "--insights-3", "--insights-4", "--insights-5", "--insights-6", "--insights-7"];
const FALLBACK = ["#b8965a", "#7a5f32", "#1f1c18", "#9b2c2c", "#3f6e4c", "#5d554b", "#cfc8bc"];

let loading = null;

/** window.Chart, once the script has run (one request however often it is asked for). */
export function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = CHART_JS;
      script.addEventListener("load", () => resolve(window.Chart));
      script.addEventListener("error", () => {
        loading = null; // try again next time
        script.remove();
        reject(new Error(t("insights.charts.unavailable")));
      });
      document.head.append(script);
    });
  }
  return loading;
}

/** The series colours come from the stylesheet, so the charts follow the console's theme. */
function palette(root) {
  const style = getComputedStyle(root);
  return PALETTE_VARS.map((name, i) => style.getPropertyValue(name).trim() || FALLBACK[i]);
}

function themeDefaults(Chart, root) {
  const style = getComputedStyle(root);
  Chart.defaults.font.family = style.fontFamily;
  Chart.defaults.color = style.getPropertyValue("--ink-soft").trim() || FALLBACK[5];
  Chart.defaults.borderColor = style.getPropertyValue("--line-soft").trim() || "#eee8de";
  Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 250 };
}

function card(chart, onDownload) {
  const titleId = `insights-chart-${chart.id}-title`;
  const canvas = el("canvas", {
    attrs: { role: "img", "aria-label": t(`insights.charts.${chart.id}.description`), "data-testid": "insights-canvas" },
  });
  const empty = el("p", { className: "empty insights-chart-empty", text: t("insights.charts.empty") });
  const download = button(t("insights.csv.download"), "button button-quiet insights-download", "insights-download");
  download.setAttribute("aria-describedby", titleId);
  download.dataset.csv = chart.csv;
  download.addEventListener("click", () => onDownload(chart.csv, download));
  const root = el("figure", { className: "insights-chart", attrs: { "data-testid": "insights-chart", "data-chart": chart.id } }, [
    el("figcaption", { className: "insights-chart-header" }, [
      el("h3", { className: "insights-chart-title", text: t(`insights.charts.${chart.id}.title`), attrs: { id: titleId } }),
      download,
    ]),
    el("div", { className: "insights-chart-box" }, [canvas, empty]),
  ]);
  empty.hidden = true;
  return { root, canvas, empty, instance: null };
}

/** onDownload(csv, button): a card's "Download CSV" was pressed. Returns {el, render(answer), clear()}. */
export function insightsChartCards(onDownload) {
  const cards = new Map(CHARTS.map((chart) => [chart.id, card(chart, onDownload)]));
  const root = el("div", { className: "insights-charts" }, [...[...cards.values()].map((c) => c.root)]);

  function clear() {
    for (const c of cards.values()) {
      if (c.instance) c.instance.destroy();
      c.instance = null;
      c.empty.hidden = true;
    }
  }

  return {
    el: root,
    /** Draws every chart afresh for one answer of the hub (Chart.js loads on first use). */
    async render(answer) {
      const Chart = await loadChartJs();
      themeDefaults(Chart, root);
      const configs = chartConfigs(answer, palette(root));
      clear();
      for (const [id, c] of cards) {
        const { empty, ...config } = configs.get(id);
        c.empty.hidden = !empty;
        c.canvas.hidden = empty;
        if (!empty) c.instance = new Chart(c.canvas, config);
      }
    },
    clear,
  };
}
