/**
 * Dates and times for the booking page. The hub gives every time as ISO 8601 with the
 * store's offset; days are the store's local days ("YYYY-MM-DD" keys). Everything is shown
 * in the store's zone and, where the shopper's browser zone reads differently, in theirs,
 * with Intl in the page's language (shared/i18n.js).
 */
import { locale, t } from "../shared/i18n.js";
import { browserZone } from "../shared/time.js";

export const SHOPPER_ZONE = browserZone();

const formatters = new Map();

function formatter(zone, options, tag = locale()) {
  const key = `${tag}|${zone}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(tag, { ...options, timeZone: zone }));
  return formatters.get(key);
}

const CLOCK = { hour: "numeric", minute: "2-digit" };
const KEY_PARTS = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" };

/** "Paris" for Europe/Paris, "New York" for America/New_York. */
export function zoneCity(zone) {
  return zone.split("/").pop().replace(/_/g, " ");
}

/** "Paris time". */
export const zoneName = (zone) => t("common.zoneTime", { city: zoneCity(zone) });

/** The local date key and hour of an instant in a zone. */
function localParts(date, zone) {
  const parts = {};
  for (const { type, value } of formatter(zone, KEY_PARTS, "en-US").formatToParts(date)) parts[type] = value;
  return { key: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) % 24 };
}

export const dateKeyIn = (date, zone) => localParts(date, zone).key;
export const hourIn = (date, zone) => localParts(date, zone).hour;

/** Today's date key in the zone. */
export const todayIn = (zone) => dateKeyIn(new Date(), zone);

/** A date key moved by whole days. */
export function addDays(key, days) {
  const [year, month, day] = key.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Midday UTC of a date key: formatted in UTC, it reads as that calendar day anywhere. */
const noon = (key) => new Date(`${key}T12:00:00Z`);

const thisYear = (key) => key.slice(0, 4) === todayIn("UTC").slice(0, 4);

/** "Thursday, November 26" (with the year when it is not this year's). */
export function longDay(key) {
  const options = { weekday: "long", day: "numeric", month: "long" };
  if (!thisYear(key)) options.year = "numeric";
  return formatter("UTC", options).format(noon(key));
}

/** The parts a day button shows: "Thu", "26", "Nov". */
export function dayChip(key) {
  const date = noon(key);
  return {
    weekday: formatter("UTC", { weekday: "short" }).format(date),
    day: formatter("UTC", { day: "numeric" }).format(date),
    month: formatter("UTC", { month: "short" }).format(date),
  };
}

/** "November 24 – 30" for the days a page of the strip shows. */
export function dayRange(firstKey, lastKey) {
  const format = formatter("UTC", { day: "numeric", month: "long" });
  if (typeof format.formatRange === "function") return format.formatRange(noon(firstKey), noon(lastKey));
  return `${format.format(noon(firstKey))} – ${format.format(noon(lastKey))}`;
}

/** "10:00 AM" in the zone. */
export const clockIn = (date, zone) => formatter(zone, CLOCK).format(date);

/** "10:00 – 11:00 AM" in the zone. */
export function clockRangeIn(start, end, zone) {
  const format = formatter(zone, CLOCK);
  if (typeof format.formatRange === "function") return format.formatRange(start, end);
  return `${format.format(start)} – ${format.format(end)}`;
}

/** Whether the shopper's clock reads this instant differently from the store's. */
export function readsDifferently(date, storeZone) {
  if (storeZone === SHOPPER_ZONE) return false;
  const store = localParts(date, storeZone);
  const shopper = localParts(date, SHOPPER_ZONE);
  return store.key !== shopper.key || clockIn(date, storeZone) !== clockIn(date, SHOPPER_ZONE);
}

/**
 * The shopper's reading of a start, or "" when it is the store's: "4:00 AM", or
 * "8:00 PM Wed" when it falls on another day for them.
 */
export function shopperClock(date, storeZone) {
  if (!readsDifferently(date, storeZone)) return "";
  const time = clockIn(date, SHOPPER_ZONE);
  if (dateKeyIn(date, storeZone) === dateKeyIn(date, SHOPPER_ZONE)) return time;
  return t("book.clockOtherDay", { time, weekday: formatter(SHOPPER_ZONE, { weekday: "short" }).format(date) });
}

/**
 * How an appointment's time reads: {day, time} in the store's zone and, when theirs
 * differs, {yourDay, yourTime} in the shopper's.
 */
export function appointmentTime(startIso, endIso, storeZone) {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const found = {
    day: longDay(dateKeyIn(start, storeZone)),
    time: t("book.timeInZone", { time: clockRangeIn(start, end, storeZone), zone: zoneName(storeZone) }),
    yourDay: "",
    yourTime: "",
  };
  if (readsDifferently(start, storeZone)) {
    found.yourDay = longDay(dateKeyIn(start, SHOPPER_ZONE));
    found.yourTime = t("book.yourTimeIn", { time: clockRangeIn(start, end, SHOPPER_ZONE), city: zoneCity(SHOPPER_ZONE) });
  }
  return found;
}

/** One line for a start: "Thursday, November 26, 10:00 AM Paris time (4:00 AM your time)". */
export function startSentence(startIso, storeZone) {
  const start = new Date(startIso);
  const values = { day: longDay(dateKeyIn(start, storeZone)), time: clockIn(start, storeZone), zone: zoneName(storeZone) };
  const yours = shopperClock(start, storeZone);
  return yours ? t("book.startBoth", { ...values, yours }) : t("book.start", values);
}

/** The duration as words in the page's language: "30 minutes", "1 hour 30 minutes". */
export function durationText(minutes) {
  const unit = (value, name) =>
    new Intl.NumberFormat(locale(), { style: "unit", unit: name, unitDisplay: "long" }).format(value);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (!hours) return unit(rest, "minute");
  return rest ? `${unit(hours, "hour")} ${unit(rest, "minute")}` : unit(hours, "hour");
}

/** Which part of the day a local hour belongs to, for grouping the times. */
export function dayPart(hour) {
  if (hour < 6) return "night";
  if (hour < 12) return "morning";
  if (hour < 18) return "afternoon";
  return "evening";
}
