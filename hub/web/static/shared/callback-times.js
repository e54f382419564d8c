/**
 * When a shopper would like to be called back: "as soon as possible", or an hour today or
 * tomorrow in their own time zone. The hub takes local date-times ("2026-11-26T18:00") with
 * the zone's IANA name and reads them there, so nothing here converts between zones.
 * Used by the demo shop's form (contact/callback-form.js) and the widget (widget/callback.js).
 */

import { locale } from "./i18n.js";
import { browserZone } from "./time.js";

const FIRST_HOUR = 9; // the first window starts at 09:00 ...
const LAST_HOUR = 20; // ... the last at 20:00
const LEAD_MS = 30 * 60 * 1000; // a window today must still have half an hour to run

export const DAYS = ["today", "tomorrow"];

const pad = (n) => String(n).padStart(2, "0");
const localText = (date) =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
const clock = (date) => date.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });

function dayStart(day, now) {
  const date = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  if (day === "tomorrow") date.setDate(date.getDate() + 1);
  return date;
}

/**
 * The hour-long windows still open on a day: [{value: "18", label: "18:00 – 19:00", start,
 * end}] with start and end as local date-times.
 */
export function callbackWindows(day, now = new Date()) {
  const windows = [];
  for (let hour = FIRST_HOUR; hour <= LAST_HOUR; hour += 1) {
    const start = dayStart(day, now);
    start.setHours(hour);
    const end = new Date(start);
    end.setHours(hour + 1);
    if (end.getTime() - now.getTime() < LEAD_MS) continue;
    windows.push({
      value: String(hour),
      label: `${clock(start)} \u2013 ${clock(end)}`,
      startLabel: clock(start),
      endLabel: clock(end),
      start: localText(start),
      end: localText(end),
    });
  }
  return windows;
}

/**
 * choice: {when: "asap"} or {when: "later", day, hour}. Returns the hub's preferred_time:
 * "asap" or {start, end, timezone}; null when the hour is no longer on offer.
 */
export function preferredTime(choice, now = new Date()) {
  if (!choice || choice.when !== "later") return "asap";
  const window = callbackWindows(choice.day, now).find((w) => w.value === String(choice.hour));
  return window ? { start: window.start, end: window.end, timezone: browserZone() } : null;
}

/**
 * What was asked for, for the confirmation's sentence: {when: "asap"} · {when: "today" or
 * "tomorrow", start, end} (clock times in the page's locale) · {when: "chosen"} when the
 * hour is no longer on offer. Each page words it from its own catalogue.
 */
export function chosenWindow(choice, now = new Date()) {
  if (!choice || choice.when !== "later") return { when: "asap" };
  const window = callbackWindows(choice.day, now).find((w) => w.value === String(choice.hour));
  if (!window) return { when: "chosen" };
  return { when: choice.day === "tomorrow" ? "tomorrow" : "today", start: window.startLabel, end: window.endLabel };
}
