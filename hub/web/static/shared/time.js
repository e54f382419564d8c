/** Times as people read them, in the page's language (shared/i18n.js). */
import { locale } from "./i18n.js";

function parse(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

const clock = (date) => date.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });

/** The browser's IANA time zone ("Europe/Paris"); `fallback` when the browser will not say. */
export function browserZone(fallback = "UTC") {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || fallback;
  } catch (_err) {
    return fallback;
  }
}

/** "14:05"; "" for a missing or unreadable timestamp. */
export function formatClock(iso) {
  const date = parse(iso);
  return date ? clock(date) : "";
}

const day = (date) =>
  date.toLocaleDateString(locale(), {
    day: "numeric",
    month: "short",
    year: date.getFullYear() === new Date().getFullYear() ? undefined : "numeric",
  });

/** "14:05" today, "3 Mar, 14:05" on any other day. */
export function formatStamp(iso) {
  const date = parse(iso);
  if (!date) return "";
  if (date.toDateString() === new Date().toDateString()) return clock(date);
  return `${day(date)}, ${clock(date)}`;
}

/** "12 Nov" this year, "12 Nov 2023" before; "" for a missing or unreadable timestamp. */
export function formatDay(iso) {
  const date = parse(iso);
  return date ? day(date) : "";
}

/** A wait as the console shows it: "45 s", "3 min", "1 h 05 min" (no shopper page uses it). */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** Milliseconds left as "m:ss", never negative. */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, "0")}`;
}
