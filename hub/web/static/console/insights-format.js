/**
 * How the dashboard writes its figures: counts, rates, scores, durations and money in the
 * reader's language (Intl through shared/i18n.js), and a dash where the hub has no figure
 * (null: nothing to measure yet), so "no data" never reads as zero.
 */
import { formatDateTime, formatNumber, formatPrice, t } from "../shared/i18n.js";

export const NO_FIGURE = "\u2014";

const known = (value) => value !== null && value !== undefined && Number.isFinite(Number(value));

export const count = (value) => (known(value) ? formatNumber(Number(value)) : NO_FIGURE);

/** A fraction (0.25) as a percentage ("25 %" or "25%", as the language writes it). */
export const percent = (rate) =>
  known(rate) ? formatNumber(Number(rate), { style: "percent", maximumFractionDigits: 1 }) : NO_FIGURE;

/** CSAT is rated 1 to 5: "4.6 / 5". */
export const csat = (average) =>
  known(average) ? t("insights.format.csat", { value: formatNumber(Number(average), { maximumFractionDigits: 1 }) }) : NO_FIGURE;

/** NPS runs from -100 to +100; the sign is part of the reading. */
export const nps = (score) =>
  known(score) ? formatNumber(Number(score), { maximumFractionDigits: 0, signDisplay: "exceptZero" }) : NO_FIGURE;

/** A duration as people say it: "45 s", "2 min 30 s", "1 h 5 min", "2 d 3 h". */
export function duration(seconds) {
  if (!known(seconds)) return NO_FIGURE;
  const total = Math.max(0, Math.round(Number(seconds)));
  const n = (value) => formatNumber(value);
  if (total < 60) return t("insights.duration.seconds", { seconds: n(total) });
  const minutes = Math.floor(total / 60);
  if (minutes < 60) {
    const rest = total % 60;
    return rest
      ? t("insights.duration.minutesSeconds", { minutes: n(minutes), seconds: n(rest) })
      : t("insights.duration.minutes", { minutes: n(minutes) });
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest
      ? t("insights.duration.hoursMinutes", { hours: n(hours), minutes: n(rest) })
      : t("insights.duration.hours", { hours: n(hours) });
  }
  const rest = hours % 24;
  const days = Math.floor(hours / 24);
  return rest
    ? t("insights.duration.daysHours", { days: n(days), hours: n(rest) })
    : t("insights.duration.days", { days: n(days) });
}

/** Attributed sales, one amount per currency (never converted, never summed). */
export function salesLines(sales) {
  return (Array.isArray(sales) ? sales : [])
    .filter((line) => line && line.currency)
    .map((line) => formatPrice(line.amount, line.currency));
}

/** "12 Nov" for a calendar day "2026-11-12" (a day, not an instant: read on UTC's clock). */
export const shortDay = (day) => formatDateTime(`${day}T12:00:00Z`, "UTC", { day: "numeric", month: "short" });

/** "12 Nov 2026" for the period heading. */
