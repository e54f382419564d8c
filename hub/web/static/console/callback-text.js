/**
 * A callback as the ambassador reads it: which try this is, and the shopper's window in the
 * shopper's time zone and in ours ("18:00 – 19:00, Thu 26 Nov, New York time").
 */
import { formatNumber, t } from "../shared/i18n.js";
import { browserZone } from "../shared/time.js";
import { formatStamp } from "./formats.js";
import { clockRangeIn, dayKeyIn, instant, shortDay, zoneLabel } from "./zoned-time.js";

const TEXT = {
  inZone: (range, day, zone) => t("callback.theirTime", { range, day, zone }),
  yours: (range, day) => t("callback.yourTime", { range, day }),
  result: {
    reached: () => t("call.outcome.reached"),
    wrong_number: () => t("call.outcome.wrongNumber"),
    unreachable: () => t("callback.result.unreachable"),
    cancelled: () => t("appointment.status.cancelled"),
  },
};

/** "Try 2 of 3": the try the ambassador is about to make (the last one once all are made). */
export function tryLabel(callback) {
  const max = Math.max(1, Number(callback && callback.max_attempts) || 1);
  const made = Math.max(0, Number(callback && callback.attempts) || 0);
  return t("callback.tryOf", { try: formatNumber(Math.min(made + 1, max)), max: formatNumber(max) });
}

function rangeIn(start, end, zone) {
  try {
    return { range: clockRangeIn(start, end, zone), day: shortDay(dayKeyIn(start, zone)) };
  } catch (_err) {
    return null; // a zone this browser does not know
  }
}

/**
 * The shopper's window as lines: theirs first, then ours when our zone differs; one line
 * "As soon as possible" without a window.
 */
export function windowLines(window) {
  const start = instant(window && window.start);
  const end = instant(window && window.end);
  if (!start || !end) return [t("callback.asap")];
  const mine = browserZone();
  let zone = (window && window.timezone) || mine;
  let theirs = rangeIn(start, end, zone);
  if (!theirs) {
    zone = "UTC"; // a zone this browser does not know: UTC, named as such
    theirs = rangeIn(start, end, zone);
  }
  const ours = rangeIn(start, end, mine);
  if (zone === mine || !ours) return [TEXT.yours(theirs.range, theirs.day)];
  const lines = [TEXT.inZone(theirs.range, theirs.day, zoneLabel(zone))];
  if (ours.range !== theirs.range || ours.day !== theirs.day) lines.push(TEXT.yours(ours.range, ours.day));
  return lines;
}

/** What became of a callback that is no longer waiting for a call ("" while it is). */
export function resultLine(callback) {
  if (!callback || callback.status === "queued") return "";
  if (callback.status === "scheduled") return t("callback.result.scheduled", { when: formatStamp(callback.due_at) });
  return TEXT.result[callback.status] ? TEXT.result[callback.status]() : callback.status;
}
