/**
 * What each dashboard chart draws, as Chart.js configurations built from the hub's answer
 * (pure: no DOM, no Chart.js object). Group charts follow the table's order; money is drawn
 * as one dataset per currency, side by side, and never added up across currencies.
 */
import { formatNumber, formatPrice, language, t } from "../shared/i18n.js";
import { channelLabel } from "./channels.js";
import { csat, duration, nps, percent, shortDay } from "./insights-format.js";

/** How a group is named: the hub's label, a channel's or a country's name in the reader's language. */
export function groupLabel(group, by) {
  const key = group && group.key;
  if (key === null || key === undefined || key === "") return t("insights.groups.none");
  if (by === "channel") return key === "appointment" ? t("insights.groups.appointment") : channelLabel(key);
  if (by === "country") {
    try {
      return new Intl.DisplayNames([language()], { type: "region" }).of(String(key)) || String(key);
    } catch (_err) {
      return String(key);
    }
  }
  return group.label || String(key);
}

const nested = (group, part, name) => {
  const value = group && group[part] && group[part][name];
  return value === undefined ? null : value;
};

function base(format, scales = {}) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    locale: language(),
    interaction: { mode: "index", intersect: false },
    plugins: {
      legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
      tooltip: {
        callbacks: {
          label: (item) => `${item.dataset.label}: ${(item.dataset.format || format)(item.raw)}`,
        },
      },
    },
    scales,
  };
}

const bar = (label, data, colour, extra = {}) => ({
  label,
  data,
  backgroundColor: colour,
  borderColor: colour,
  borderRadius: 3,
  maxBarThickness: 36,
  ...extra,
});

/** A bar chart of the groups (one label each); empty when there is nothing to draw. */
const barChart = (labels, datasets, options, empty = labels.length === 0) => ({
  type: "bar",
  empty,
  data: { labels, datasets },
  options,
});

function daily(answer, palette) {
  const days = answer.daily || [];
  const line = (key, colour) => ({
    label: t(`insights.series.${key}`),
    data: days.map((d) => Number(d[key]) || 0),
    borderColor: colour,
    backgroundColor: colour,
    pointRadius: days.length > 45 ? 0 : 2,
    tension: 0,
  });
  return {
    type: "line",
    empty: days.length === 0,
    data: {
      labels: days.map((d) => shortDay(d.day)),
      datasets: [line("conversations", palette[0]), line("abandoned", palette[3])],
    },
    options: base(formatNumber, { y: { beginAtZero: true, ticks: { precision: 0 } } }),
  };
}

function volume(answer, palette, labels) {
  const groups = answer.groups || [];
  return barChart(
    labels,
    [
      bar(t("insights.series.conversations"), groups.map((g) => Number(g.conversations) || 0), palette[0]),
      bar(t("insights.series.abandoned"), groups.map((g) => Number(g.abandoned) || 0), palette[3]),
    ],
    base(formatNumber, { y: { beginAtZero: true, ticks: { precision: 0 } } }),
  );
}

// Steps a reader counts time in: 10 s, 30 s, 1 min, 5 min, … 1 d.
const TIME_STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The step between duration ticks: a round amount of time, about five ticks up to `max`. */
export function timeStep(max) {
  const wanted = Math.max(Number(max) || 0, 1) / 5;
  return TIME_STEPS.find((step) => step >= wanted) || Math.ceil(wanted / 86400) * 86400;
}

function speed(answer, palette, labels) {
  const groups = answer.groups || [];
  const series = (part, stat, key, colour) =>
    bar(t(`insights.series.${key}`), groups.map((g) => nested(g, part, stat)), colour);
  const spans = groups.flatMap((g) => [nested(g, "first_response_seconds", "p90"), nested(g, "wait_seconds", "p90")]);
  const highest = Math.max(0, ...spans.map(Number).filter(Number.isFinite));
  return barChart(
    labels,
    [
      series("first_response_seconds", "median", "firstResponseMedian", palette[0]),
      series("first_response_seconds", "p90", "firstResponseP90", palette[1]),
      series("wait_seconds", "median", "waitMedian", palette[2]),
      series("wait_seconds", "p90", "waitP90", palette[4]),
    ],
    base(duration, {
      y: { beginAtZero: true, ticks: { stepSize: timeStep(highest), callback: (value) => duration(value) } },
    }),
  );
}

function satisfaction(answer, palette, labels) {
  const groups = answer.groups || [];
  return barChart(
    labels,
    [
      bar(t("insights.series.csat"), groups.map((g) => nested(g, "csat", "average")), palette[0], { yAxisID: "y", format: csat }),
      bar(t("insights.series.nps"), groups.map((g) => nested(g, "nps", "score")), palette[2], { yAxisID: "nps", format: nps }),
    ],
    base(formatNumber, {
      y: { min: 0, max: 5, position: "left", title: { display: true, text: t("insights.axes.csat") } },
      nps: {
        min: -100,
        max: 100,
        position: "right",
        grid: { drawOnChartArea: false },
        title: { display: true, text: t("insights.axes.nps") },
      },
    }),
  );
}

/** Every currency any group sold in, in a stable order. */
export function currencies(groups) {
  const found = new Set();
  for (const group of groups) for (const line of group.sales || []) if (line && line.currency) found.add(line.currency);
  return [...found].sort();
}

function sales(answer, palette, labels) {
  const groups = answer.groups || [];
  const codes = currencies(groups);
  const amountIn = (group, code) => {
    const line = (group.sales || []).find((s) => s && s.currency === code);
    return line ? Number(line.amount) : null;
  };
  const datasets = codes.map((code, i) =>
    bar(code, groups.map((g) => amountIn(g, code)), palette[i % palette.length], {
      format: (value) => formatPrice(value, code),
    }),
  );
  const tick = codes.length === 1 ? (value) => formatPrice(value, codes[0]) : (value) => formatNumber(value);
  const options = base(formatNumber, { y: { beginAtZero: true, ticks: { callback: tick } } });
  return barChart(labels, datasets, options, codes.length === 0);
}

function rates(answer, palette, labels) {
  const groups = answer.groups || [];
  return barChart(
    labels,
    [
      bar(t("insights.series.conversion"), groups.map((g) => nested(g, "appointments", "conversion_rate")), palette[0]),
      bar(t("insights.series.showRate"), groups.map((g) => nested(g, "appointments", "show_rate")), palette[2]),
    ],
    base(percent, { y: { min: 0, max: 1, ticks: { callback: (value) => percent(value) } } }),
  );
}

// How a closed conversation ended (hub.conversation_labels.OUTCOMES), then "not recorded":
// the stack of each group's closed conversations, bottom up.
export const OUTCOME_SERIES = [
  "purchase",
  "appointment",
  "information",
  "after_sales",
  "no_action",
  "other",
  "not_recorded",
];

/** An outcome's name: the close chooser's words (attention.outcome.*), or "Not recorded". */
export const outcomeName = (outcome) =>
  outcome === "not_recorded" ? t("insights.outcomes.notRecorded") : t(`attention.outcome.${outcome}`);

function outcomes(answer, palette, labels) {
  const groups = answer.groups || [];
  const datasets = OUTCOME_SERIES.map((outcome, i) =>
    bar(outcomeName(outcome), groups.map((g) => Number(nested(g, "outcomes", outcome)) || 0), palette[i % palette.length], {
      stack: "outcomes",
    }),
  );
  const closed = groups.reduce((sum, g) => sum + (Number(nested(g, "outcomes", "closed")) || 0), 0);
  const options = base(formatNumber, {
    x: { stacked: true },
    y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
  });
  return barChart(labels, datasets, options, closed === 0);
}

/** The charts, in the order shown; csv: which file the hub writes for each. */
export const CHARTS = [
  { id: "daily", csv: "daily", build: daily },
  { id: "volume", csv: "groups", build: volume },
  { id: "speed", csv: "groups", build: speed },
  { id: "satisfaction", csv: "groups", build: satisfaction },
  { id: "sales", csv: "sales", build: sales },
  { id: "rates", csv: "groups", build: rates },
  { id: "outcomes", csv: "groups", build: outcomes },
];

/** chart id -> Chart.js configuration (plus `empty`) for one answer of the hub. */
export function chartConfigs(answer, palette) {
  const labels = (answer.groups || []).map((g) => groupLabel(g, answer.by));
  return new Map(CHARTS.map((chart) => [chart.id, chart.build(answer, palette, labels)]));
}
