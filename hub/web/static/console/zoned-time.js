/**
 * Days and times in a boutique's time zone, whatever the browser's own zone. Days are
 * "YYYY-MM-DD" keys of the zone's calendar; instants are Dates. The hub writes times as
 * ISO 8601 with the store's offset and reads ours the same way. What is shown is written in
 * the console's locale (shared/i18n.js).
 */
import { locale as consoleLocale, t } from "../shared/i18n.js";

const formatters = new Map();

/** Intl formatters are costly to build: one per zone, locale and options. */
function formatter(zone, options, locale = consoleLocale()) {
  const key = `${locale || ""}|${zone}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(locale, { ...options, timeZone: zone }));
  return formatters.get(key);
}

const PARTS = {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
};

/** The wall clock of an instant in a zone, as numbers. */
function wallClock(date, zone) {
  const parts = {};
  for (const { type, value } of formatter(zone, PARTS, "en-US").formatToParts(date)) parts[type] = Number(value);
  return { ...parts, hour: parts.hour % 24 };
}

/** Minutes the zone is ahead of UTC at that instant (60 for Paris in winter). */
function offsetMinutes(date, zone) {
  const w = wallClock(date, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
}

const pad = (n) => String(n).padStart(2, "0");

/** "Paris" for Europe/Paris, "New York" for America/New_York. */
export const placeOf = (zone) => String(zone || "UTC").split("/").pop().replace(/_/g, " ");

/** "Paris time". */
export const zoneLabel = (zone) => t("time.zoneTime", { place: placeOf(zone) });

/** The zone's calendar day of an instant. */
export function dayKeyIn(date, zone) {
  const w = wallClock(date, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export const todayIn = (zone) => dayKeyIn(new Date(), zone);

/** A day key moved by whole days. */
export function addDays(key, days) {
  const [year, month, day] = key.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** The Monday of the key's week (weeks start on Monday). */
export function mondayOf(key) {
  const weekday = new Date(`${key}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(key, -((weekday + 6) % 7));
}

/** The instant a day begins in a zone (midnight, or the first minute after a DST jump). */
export function startOfDay(key, zone) {
  const [year, month, day] = key.split("-").map(Number);
  const wall = Date.UTC(year, month - 1, day);
  let instant = wall - offsetMinutes(new Date(wall), zone) * 60000;
  instant = wall - offsetMinutes(new Date(instant), zone) * 60000; // the offset may differ by then
  return new Date(instant);
}

/** "2026-11-26T00:00:00+01:00": an instant as the zone's wall clock with its offset. */
export function isoIn(date, zone) {
  const w = wallClock(date, zone);
  const offset = offsetMinutes(date, zone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return (
    `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** The local hour (0-23) of an instant in the zone. */
export const hourIn = (date, zone) => wallClock(date, zone).hour;

/** Midday UTC of a day key: formatted in UTC it reads as that calendar day anywhere. */
const noon = (key) => new Date(`${key}T12:00:00Z`);

/** "Thursday 26 November" (with the year when it is not this year). */
export function longDay(key) {
  const options = { weekday: "long", day: "numeric", month: "long" };
  if (key.slice(0, 4) !== todayIn("UTC").slice(0, 4)) options.year = "numeric";
  return formatter("UTC", options).format(noon(key));
}

/** "Thursday" and "26 November" (with the year when it is not this year), for a day's heading. */
export function dayHeading(key) {
  const options = { day: "numeric", month: "long" };
  if (key.slice(0, 4) !== todayIn("UTC").slice(0, 4)) options.year = "numeric";
  return {
    weekday: formatter("UTC", { weekday: "long" }).format(noon(key)),
    date: formatter("UTC", options).format(noon(key)),
  };
}

/** "Thu 26 Nov". */
export const shortDay = (key) => formatter("UTC", { weekday: "short", day: "numeric", month: "short" }).format(noon(key));

/** "23 – 29 November 2026" for a range of day keys. */
export function dayRange(firstKey, lastKey) {
  const format = formatter("UTC", { day: "numeric", month: "long", year: "numeric" });
  if (firstKey === lastKey) return longDay(firstKey);
  if (typeof format.formatRange === "function") return format.formatRange(noon(firstKey), noon(lastKey));
  return `${format.format(noon(firstKey))} \u2013 ${format.format(noon(lastKey))}`;
}

const CLOCK = { hour: "numeric", minute: "2-digit" };

/** "10:00" in the zone (the locale decides 24 h or AM/PM). */
export const clockIn = (date, zone) => formatter(zone, CLOCK).format(date);

/** "10:00 – 11:00" in the zone. */
export function clockRangeIn(start, end, zone) {
  const format = formatter(zone, CLOCK);
  if (typeof format.formatRange === "function") return format.formatRange(start, end);
  return `${format.format(start)} \u2013 ${format.format(end)}`;
}

/** A Date from the hub's ISO text, or null. */
export function instant(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** Which part of the day a local hour belongs to, for grouping times. */
export function dayPart(hour) {
  if (hour < 6) return "night";
  if (hour < 12) return "morning";
  if (hour < 18) return "afternoon";
  return "evening";
}
