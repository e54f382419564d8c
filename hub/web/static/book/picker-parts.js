/**
 * The elements of the day and time picker (slot-picker.js decides what they show): the
 * zone line, the week's paging, the day strip, the day's heading with its messages, and
 * the times grouped by part of the day.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { clockIn, dayChip, dayPart, hourIn, longDay, shopperClock, zoneName } from "./times.js";

const srOnly = (text) => el("span", { className: "sr-only", text });

function message(className, testid, role) {
  const node = el("p", { className, attrs: { role, "data-testid": testid } });
  node.hidden = true;
  return node;
}

function pageButton(text, label, testid) {
  const attrs = { type: "button", "aria-label": label, "data-testid": testid };
  return el("button", { className: "picker-page", text, attrs });
}

/** The picker's fixed elements, built into host. */
export function buildPicker(host, idPrefix, headingLevel) {
  const parts = {
    zoneLine: el("p", { className: "picker-zone", attrs: { "data-testid": "book-zone-note" } }),
    // The arrows point back and forward in reading order: book.css mirrors them right to left.
    previous: pageButton("‹", t("book.earlierDays"), "book-days-earlier"),
    next: pageButton("›", t("book.laterDays"), "book-days-later"),
    range: el("p", { className: "picker-range", attrs: { id: `${idPrefix}-range` } }),
    strip: el("ul", {
      className: "day-strip",
      attrs: { "aria-label": t("book.days"), "aria-describedby": `${idPrefix}-range`, "data-testid": "book-days" },
    }),
    dayTitle: el(`h${headingLevel}`, {
      className: "picker-day",
      attrs: { tabindex: "-1", id: `${idPrefix}-day-title` },
    }),
    // Why the time just chosen could not be had, right above the times that replace it.
    notice: message("picker-notice", "book-times-notice", "alert"),
    problem: message("picker-problem", "book-times-problem", "alert"),
    empty: message("picker-empty", "book-times-empty"),
    times: el("div", {
      className: "picker-times",
      attrs: { role: "group", "aria-labelledby": `${idPrefix}-day-title`, "data-testid": "book-times" },
    }),
  };
  host.replaceChildren(
    parts.zoneLine,
    el("div", { className: "picker-nav" }, [parts.previous, parts.range, parts.next]),
    parts.strip,
    parts.dayTitle,
    parts.notice,
    parts.problem,
    parts.empty,
    parts.times,
  );
  return parts;
}

/** A day of the strip: "Thu 26 Nov", pressed when chosen, disabled without free times. */
export function dayButton(key, { pressed, loaded, free }) {
  const chip = dayChip(key);
  const button = el(
    "button",
    {
      className: "day",
      attrs: {
        type: "button",
        "data-date": key,
        "data-testid": "book-day",
        "aria-pressed": String(pressed),
        "aria-label": loaded && !free ? t("book.dayNoTimes", { day: longDay(key) }) : longDay(key),
      },
    },
    [
      el("span", { className: "day-weekday", text: chip.weekday }),
      el("span", { className: "day-number", text: chip.day }),
      el("span", { className: "day-month", text: chip.month }),
    ],
  );
  button.disabled = !loaded || !free;
  return button;
}

/** "10:00 AM" and beneath it "4:00 AM", read out as "Paris time" and "your time". */
function timeButton(slot, zone) {
  const start = new Date(slot.start);
  const yours = shopperClock(start, zone);
  const yoursLine = yours
    ? el("span", { className: "time-yours", attrs: { "data-testid": "book-time-yours" } }, [
        el("span", { text: yours }),
        srOnly(` ${t("book.yourTime")}`),
      ])
    : null;
  const attrs = { type: "button", "data-start": slot.start, "data-testid": "book-time" };
  return el("button", { className: "time", attrs }, [
    el("span", { className: "time-store", text: clockIn(start, zone) }),
    srOnly(` ${zoneName(zone)}`),
    yoursLine,
  ]);
}

const DAY_PARTS = {
  night: () => t("book.dayPart.night"),
  morning: () => t("book.dayPart.morning"),
  afternoon: () => t("book.dayPart.afternoon"),
  evening: () => t("book.dayPart.evening"),
};

/** The day's times under "Morning", "Afternoon"…; onButton(button, slot) wires each. */
export function timeGroups(slots, zone, headingLevel, onButton) {
  const groups = new Map();
  for (const slot of slots) {
    const part = dayPart(hourIn(new Date(slot.start), zone));
    if (!groups.has(part)) groups.set(part, []);
    groups.get(part).push(slot);
  }
  return [...groups].map(([part, found]) =>
    el("div", { className: "time-group" }, [
      el(`h${headingLevel}`, { className: "time-group-title", text: DAY_PARTS[part]() }),
      el(
        "ul",
        { className: "time-list" },
        found.map((slot) => {
          const button = timeButton(slot, zone);
          onButton(button, slot);
          return el("li", {}, [button]);
        }),
      ),
    ]),
  );
}
