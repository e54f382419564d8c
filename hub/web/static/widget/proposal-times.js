/**
 * Proposed times as the shopper reads them: on the boutique's clock (its zone's city names it,
 * "Paris" for Europe/Paris) and, where the browser's own clock reads differently, on theirs.
 * The hub writes every time as ISO 8601 with the store's offset.
 */
import { locale } from "../shared/i18n.js";
import { browserZone } from "../shared/time.js";

export const SHOPPER_ZONE = browserZone();

const WHEN = { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" };
const DAY = { year: "numeric", month: "2-digit", day: "2-digit" };
const CLOCK = { hour: "numeric", minute: "2-digit" };

const formatters = new Map();

/** One Intl formatter per zone and options, in the widget's language. */
function formatter(zone, options) {
  const key = `${locale()}|${zone}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(locale(), { ...options, timeZone: zone }));
  return formatters.get(key);
}

/** A Date from the hub's ISO text, or null. */
export function instant(iso) {
  const date = typeof iso === "string" ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** "Paris" for Europe/Paris, "New York" for America/New_York. */
export const cityOf = (zone) => String(zone || "UTC").split("/").pop().replace(/_/g, " ");

/** "Thu 26 Nov, 10:00" on the zone's clock (the language decides the order and 12/24 h). */
export const whenIn = (date, zone) => formatter(zone, WHEN).format(date);

const dayIn = (date, zone) => formatter(zone, DAY).format(date);

/**
 * The same instant on the shopper's clock, or "" when it reads the same as the boutique's:
 * only the time on the same day, the day too when it differs.
 */
export function shopperWhen(date, storeZone) {
  if (whenIn(date, SHOPPER_ZONE) === whenIn(date, storeZone)) return "";
  if (dayIn(date, SHOPPER_ZONE) === dayIn(date, storeZone)) return formatter(SHOPPER_ZONE, CLOCK).format(date);
  return whenIn(date, SHOPPER_ZONE);
}
