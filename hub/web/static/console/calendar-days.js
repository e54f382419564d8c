/**
 * The calendar's days, one section each (a day's heading, then its appointments in order, or
 * a line saying there are none), redrawn whole; the control that had the focus gets it back.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { calendarEntry } from "./calendar-entry.js";
import { addDays, dayHeading, dayKeyIn, instant, todayIn } from "./zoned-time.js";

/** "Thursday 26 November", and "Today" on today's. */
function dayTitle(key, isToday) {
  const { weekday, date } = dayHeading(key);
  return el("h4", { className: "calendar-day-title" }, [
    el("span", { className: "calendar-weekday", text: weekday }),
    el("span", { className: "calendar-date", text: ` ${date}` }),
    isToday ? el("span", { className: "calendar-today", text: ` ${t("calendar.today")}` }) : null,
  ]);
}

function byDay(lines, zone, fallback) {
  const days = new Map();
  for (const line of lines) {
    const start = instant(line.start);
    const key = start ? dayKeyIn(start, zone) : fallback;
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(line);
  }
  return days;
}

/**
 * Draws first..last (day keys) into container; lines: the hub's appointments, told in zone;
 * current: false while the lines are for other days or filters (the days say "Loading");
 * actions: what an entry's buttons do (calendar-entry.js).
 */
export function renderCalendarDays(container, { first, last, zone, lines, current, actions }) {
  const active = document.activeElement;
  const entry = active && container.contains(active) ? active.closest("[data-appointment-id]") : null;
  const focus = entry ? [entry.dataset.appointmentId, active.dataset.testid || ""] : null;
  const days = current ? byDay(lines, zone, first) : new Map();
  const today = todayIn(zone);
  const sections = [];
  for (let key = first; key <= last; key = addDays(key, 1)) {
    const mine = days.get(key) || [];
    sections.push(
      el("section", { className: "calendar-day", attrs: { "data-date": key, "data-today": String(key === today), "data-testid": "calendar-day" } }, [
        dayTitle(key, key === today),
        mine.length
          ? el("ol", { className: "calendar-list" }, mine.map((line) => calendarEntry(line, zone, actions)))
          : el("p", { className: "empty", text: current ? t("appointment.none") : t("app.loading") }),
      ]),
    );
  }
  container.replaceChildren(...sections);
  if (focus) {
    const selector = `[data-appointment-id="${CSS.escape(focus[0])}"] [data-testid="${CSS.escape(focus[1])}"]`;
    const again = container.querySelector(selector);
    if (again) again.focus();
  }
}
