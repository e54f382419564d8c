/**
 * The calendar: the signed-in ambassador's appointments (a manager's: their boutiques', with
 * filters) by day or by week, in a boutique's time zone (named on screen). It takes the
 * conversation pane's place like the live queue does, fetches `GET /api/calendar` for the
 * days shown, and fetches again when the hub pushes `appointment`, after a reconnect, and
 * every minute while open (so "Completed"/"No-show" appear once an appointment starts).
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { renderCalendarDays } from "./calendar-days.js";
import { calendarFilters } from "./calendar-filters.js";
import { selectConversation, setView } from "./conversation-pane.js";
import { dom } from "./elements.js";
import { announce, toast } from "./notices.js";
import { openCustomerProfile } from "./profile-panel.js";
import { closeQueueBoard } from "./queue-board.js";
import { sessionEnded } from "./session.js";
import { state } from "./state.js";
import { myStores } from "./stores.js";
import { addDays, dayRange, isoIn, mondayOf, startOfDay, todayIn, zoneLabel } from "./zoned-time.js";

const REFRESH_MS = 60000;
const NUDGE_MS = 300;

const TEXT = {
  mode: { day: () => t("calendar.day"), week: () => t("calendar.week") },
  previous: { day: () => t("calendar.previousDay"), week: () => t("calendar.previousWeek") },
  next: { day: () => t("calendar.nextDay"), week: () => t("calendar.nextWeek") },
  events: {
    booked: () => t("calendar.event.booked"),
    rescheduled: () => t("calendar.event.rescheduled"),
    cancelled: () => t("calendar.event.cancelled"),
  },
};

const cal = {
  open: false,
  mode: "week",
  day: null, // the day shown, or one day of the week shown
  zone: "UTC",
  ticket: 0,
  timer: null,
  nudge: null,
  lines: [],
  loaded: "", // what cal.lines hold: "first|last|store|ambassador" of the last answer
  parts: null,
};

function parts() {
  if (cal.parts) return cal.parts;
  const modeButton = (mode) => {
    const b = button(TEXT.mode[mode](), "button button-quiet", `calendar-mode-${mode}`);
    b.addEventListener("click", () => setMode(mode));
    return b;
  };
  const modes = { day: modeButton("day"), week: modeButton("week") };
  const previous = button("\u2039", "button button-quiet calendar-step", "calendar-previous");
  const today = button(t("calendar.today"), "button button-quiet", "calendar-today");
  const next = button("\u203a", "button button-quiet calendar-step", "calendar-next");
  const close = button(t("common.close"), "button button-quiet", "calendar-close");
  const zone = el("p", { className: "board-sub", attrs: { "data-testid": "calendar-zone" } });
  const range = el("h3", { className: "calendar-range", attrs: { "data-testid": "calendar-range", "aria-live": "polite" } });
  const filters = calendarFilters(() => refresh({ rezone: true }));
  const error = el("p", { className: "form-error board-error", attrs: { role: "alert", "data-testid": "calendar-error" } });
  const loading = el("p", { className: "empty board-loading", text: t("calendar.loading"), attrs: { role: "status" } });
  const days = el("div", { className: "calendar-days", attrs: { "data-testid": "calendar-days" } });
  error.hidden = true;
  dom.calendar.replaceChildren(
    el("header", { className: "board-header" }, [
      el("div", { className: "board-title" }, [el("h2", { text: t("calendar.title"), attrs: { id: "calendar-title", tabindex: "-1" } }), zone]),
      close,
    ]),
    el("div", { className: "calendar-toolbar" }, [
      el("div", { className: "calendar-group", attrs: { role: "group", "aria-label": t("calendar.view") } }, [modes.day, modes.week]),
      el("div", { className: "calendar-group", attrs: { role: "group", "aria-label": t("calendar.dates") } }, [previous, today, next]),
      range,
      filters.el,
    ]),
    error,
    loading,
    days,
  );
  previous.setAttribute("aria-label", TEXT.previous[cal.mode]());
  next.setAttribute("aria-label", TEXT.next[cal.mode]());
  previous.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  today.addEventListener("click", () => goTo(todayIn(cal.zone)));
  close.addEventListener("click", () => {
    closeCalendar();
    dom.calendarOpen.focus();
  });
  cal.parts = { modes, previous, next, zone, range, filters, error, loading, days };
  return cal.parts;
}

/** The first and last day keys shown. */
function shownDays() {
  if (cal.mode === "day") return [cal.day, cal.day];
  const monday = mondayOf(cal.day);
  return [monday, addDays(monday, 6)];
}

/** What is shown: the days and the filters; cal.lines are good for it when it matches cal.loaded. */
function shownKey() {
  const { store, ambassador } = parts().filters.values();
  return [...shownDays(), store, ambassador].join("|");
}

// Until the boutique's zone is known (the first answer), there is no day to move from.
function setMode(mode) {
  if (!cal.day) return;
  cal.mode = mode;
  refresh();
}

function step(direction) {
  if (cal.day) goTo(addDays(cal.day, direction * (cal.mode === "week" ? 7 : 1)));
}

function goTo(day) {
  if (!cal.day) return;
  cal.day = day;
  refresh();
}

function renderToolbar() {
  const p = parts();
  const [first, last] = shownDays();
  for (const [mode, b] of Object.entries(p.modes)) b.setAttribute("aria-pressed", String(mode === cal.mode));
  p.previous.setAttribute("aria-label", TEXT.previous[cal.mode]());
  p.next.setAttribute("aria-label", TEXT.next[cal.mode]());
  p.range.textContent = dayRange(first, last);
  p.zone.textContent = t("calendar.zone", { label: zoneLabel(cal.zone), zone: cal.zone });
}

const actions = {
  openConversation: (id) => selectConversation(id),
  openProfile: (customer) => openCustomerProfile(customer),
  updated(line, announcement) {
    cal.lines = cal.lines.map((other) => (other.id === line.id ? line : other));
    renderDays();
    announce(announcement);
  },
};

/** Redraws the days shown from the lines fetched (calendar-days.js). */
function renderDays() {
  const [first, last] = shownDays();
  renderCalendarDays(parts().days, {
    first,
    last,
    zone: cal.zone,
    lines: cal.lines,
    current: cal.loaded === shownKey(), // else the days wait for their answer
    actions,
  });
}

/** The zone the calendar speaks: the chosen boutique's, else the first of the staff's. */
async function chooseZone() {
  const stores = await myStores();
  parts().filters.setup(stores);
  const { store } = parts().filters.values();
  const found = stores.find((s) => s.code === store) || stores[0];
  const zone = (found && found.timezone) || "UTC";
  if (!cal.day) cal.day = todayIn(zone);
  cal.zone = zone;
}

async function refresh({ rezone = false } = {}) {
  if (!cal.open) return;
  const ticket = ++cal.ticket;
  const p = parts();
  try {
    if (rezone || !cal.day) await chooseZone();
  } catch (err) {
    if (ticket !== cal.ticket) return;
    if (err.status === 401) sessionEnded();
    else showText(p.error, err.message);
    p.loading.hidden = true;
    return;
  }
  if (ticket !== cal.ticket || !cal.open) return;
  renderToolbar();
  renderDays(); // the days asked for at once; their appointments once the hub answers
  const [first, last] = shownDays();
  const asked = shownKey();
  const query = new URLSearchParams({
    from: isoIn(startOfDay(first, cal.zone), cal.zone),
    to: isoIn(startOfDay(addDays(last, 1), cal.zone), cal.zone),
  });
  const { store, ambassador } = p.filters.values();
  if (store) query.set("store", store);
  if (ambassador) query.set("ambassador", ambassador);
  p.days.setAttribute("aria-busy", "true");
  let data;
  try {
    data = await api("GET", `/api/calendar?${query}`);
  } catch (err) {
    if (ticket !== cal.ticket) return;
    p.days.setAttribute("aria-busy", "false");
    p.loading.hidden = true;
    if (err.status === 401) sessionEnded();
    else showText(p.error, err.message);
    return;
  }
  if (ticket !== cal.ticket || !cal.open) return;
  showText(p.error, "");
  p.loading.hidden = true;
  p.days.setAttribute("aria-busy", "false");
  cal.lines = (data && data.appointments) || [];
  cal.loaded = asked;
  renderDays();
}

function openCalendar() {
  if (cal.open) return;
  closeQueueBoard({ restoreView: false });
  cal.open = true;
  dom.pane.dataset.calendar = "open";
  dom.calendar.hidden = false;
  dom.calendarOpen.setAttribute("aria-expanded", "true");
  parts().loading.hidden = cal.lines.length > 0;
  setView("conversation"); // on a phone the calendar takes the pane's place
  refresh({ rezone: true });
  cal.timer = setInterval(refresh, REFRESH_MS);
  dom.calendar.querySelector("#calendar-title").focus();
}

/** restoreView: false when something else (a conversation, a profile) takes the pane. */
export function closeCalendar({ restoreView = true } = {}) {
  if (!cal.open) return;
  cal.open = false;
  cal.ticket += 1;
  clearInterval(cal.timer);
  clearTimeout(cal.nudge);
  delete dom.pane.dataset.calendar;
  dom.calendar.hidden = true;
  dom.calendarOpen.setAttribute("aria-expanded", "false");
  if (restoreView) setView(state.selectedId ? "conversation" : "list");
}

/** Several pushes at once make one request. */
function refreshSoon() {
  if (!cal.open) return;
  clearTimeout(cal.nudge);
  cal.nudge = setTimeout(refresh, NUDGE_MS);
}

/** `appointment {id, event, start}`: one of ours was booked, moved or cancelled. */
export function onAppointmentEvent(payload) {
  if (!payload || !payload.id) return;
  const text = TEXT.events[payload.event];
  if (text) toast(text());
  refreshSoon();
}

/** After a (re)connect: pushes may have been missed. */
export const refreshCalendar = refreshSoon;

/** Signed out: back to this week, no lines, no filters. */
export function resetCalendar() {
  closeCalendar({ restoreView: false });
  Object.assign(cal, { mode: "week", day: null, zone: "UTC", lines: [], loaded: "" });
  if (cal.parts) {
    cal.parts.filters.reset();
    cal.parts.days.replaceChildren();
    showText(cal.parts.error, "");
  }
}

export function wireCalendar() {
  dom.calendarOpen.addEventListener("click", () => (cal.open ? closeCalendar() : openCalendar()));
}
