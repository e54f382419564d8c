/**
 * The day strip and the free times of the chosen day, used to book and to reschedule.
 * Availability is asked for a week at a time (one request per page of the strip, cached
 * until refreshed); days are the store's local days. Each time shows in the store's zone
 * and, when the shopper's reads differently, in theirs beneath it (picker-parts.js).
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api, problemText } from "./api.js";
import { buildPicker, dayButton, timeGroups } from "./picker-parts.js";
import {
  SHOPPER_ZONE,
  addDays,
  dateKeyIn,
  dayRange,
  longDay,
  readsDifferently,
  todayIn,
  zoneCity,
  zoneName,
} from "./times.js";
import { announce } from "./view.js";

const WEEK = 7;
// Appointment types are bookable up to 60 days ahead by default: nine pages of the strip.
const MAX_WEEKS = 9;
// An empty first week (a closed fortnight) moves on by itself, but only so far.
const AUTO_WEEKS = 4;

/** host: where to build; headingLevel: the level of the day's heading; onChoose(slot): async. */
export function createSlotPicker({ host, idPrefix, headingLevel = 2, onChoose }) {
  const picker = { query: null, zone: "UTC", first: null, week: 0, weeks: new Map(), day: null, busy: false, turn: 0 };
  const ui = buildPicker(host, idPrefix, headingLevel);

  const weekStart = () => addDays(picker.first, picker.week * WEEK);
  const slotsOfWeek = () => picker.weeks.get(weekStart()) || null;
  const slotsOfDay = (key) => (slotsOfWeek() || []).filter((slot) => slot.day === key);

  function renderZoneLine() {
    const starts = (slotsOfWeek() || []).map((slot) => new Date(slot.start));
    const differs = [new Date(), ...starts].some((start) => readsDifferently(start, picker.zone));
    ui.zoneLine.textContent = differs
      ? t("book.zoneNoteBoth", { zone: zoneName(picker.zone), city: zoneCity(SHOPPER_ZONE) })
      : t("book.zoneNote", { zone: zoneName(picker.zone) });
  }

  function renderPaging() {
    ui.previous.disabled = picker.busy || picker.week === 0;
    ui.next.disabled = picker.busy || picker.week >= MAX_WEEKS - 1;
  }

  function renderStrip() {
    const first = weekStart();
    ui.range.textContent = dayRange(first, addDays(first, WEEK - 1));
    renderPaging();
    const loaded = Boolean(slotsOfWeek());
    const items = [];
    for (let i = 0; i < WEEK; i += 1) {
      const key = addDays(first, i);
      const button = dayButton(key, { pressed: key === picker.day, loaded, free: slotsOfDay(key).length });
      button.addEventListener("click", () => chooseDay(key));
      items.push(el("li", {}, [button]));
    }
    ui.strip.replaceChildren(...items);
  }

  function renderTimes() {
    const found = picker.day ? slotsOfDay(picker.day) : [];
    ui.dayTitle.textContent = picker.day ? longDay(picker.day) : "";
    ui.dayTitle.hidden = !picker.day;
    ui.times.setAttribute("aria-busy", String(picker.busy));
    ui.times.replaceChildren(
      ...timeGroups(found, picker.zone, Math.min(headingLevel + 1, 6), (button, slot) => {
        button.disabled = picker.busy;
        button.addEventListener("click", () => choose(slot, button));
      }),
    );
    const loaded = slotsOfWeek();
    let emptyText = "";
    if (loaded && !loaded.length) emptyText = t("book.noTimesThisWeek");
    else if (loaded && !found.length) emptyText = t("book.noTimesThisDay");
    showText(ui.empty, emptyText);
  }

  /** The chosen day if it still has times, else the week's first day that has. */
  function settleDay() {
    const loaded = slotsOfWeek() || [];
    if (picker.day && loaded.some((slot) => slot.day === picker.day)) return;
    picker.day = loaded.length ? loaded[0].day : null;
  }

  async function fetchWeek(first) {
    const query = { ...picker.query, from: first, to: addDays(first, WEEK - 1) };
    const data = await api("/api/availability", { query });
    return data.slots.map((slot) => ({ ...slot, day: dateKeyIn(new Date(slot.start), picker.zone) }));
  }

  /** Asks the hub for the current week (and, told to advance, the next while empty). */
  async function fetchWeeks(turn, advance) {
    let slots = await fetchWeek(weekStart());
    if (turn !== picker.turn) return false;
    picker.weeks.set(weekStart(), slots);
    while (advance && !slots.length && picker.week < AUTO_WEEKS && picker.week < MAX_WEEKS - 1) {
      picker.week += 1;
      slots = await fetchWeek(weekStart());
      if (turn !== picker.turn) return false;
      picker.weeks.set(weekStart(), slots);
    }
    return true;
  }

  /** Shows the current week, asking the hub for it unless cached (or told to refresh). */
  async function load({ refresh = false, advance = false } = {}) {
    const turn = ++picker.turn;
    if (refresh) picker.weeks.clear();
    showText(ui.problem, "");
    if (!slotsOfWeek()) {
      if (!refresh) {
        // Another week or type: nothing of the last one stays on screen while asking.
        renderStrip();
        ui.dayTitle.hidden = true;
        ui.times.replaceChildren();
        showText(ui.empty, t("book.loadingTimes"));
      }
      ui.times.setAttribute("aria-busy", "true");
      try {
        if (!(await fetchWeeks(turn, advance))) return;
      } catch (error) {
        if (turn !== picker.turn) return;
        ui.times.setAttribute("aria-busy", "false");
        showText(ui.empty, "");
        showText(ui.problem, problemText(error));
        return;
      }
    }
    settleDay();
    renderZoneLine();
    renderStrip();
    renderTimes();
    if (picker.day) announce(t("book.timesFor", { count: slotsOfDay(picker.day).length, day: longDay(picker.day) }));
    else if (advance) showText(ui.empty, t("book.noTimesAhead"));
  }

  function chooseDay(key) {
    showText(ui.notice, "");
    picker.day = key;
    for (const button of ui.strip.querySelectorAll("button.day")) {
      button.setAttribute("aria-pressed", String(button.dataset.date === key));
    }
    renderTimes();
    announce(t("book.timesFor", { count: slotsOfDay(key).length, day: longDay(key) }));
  }

  function setBusy(busy) {
    picker.busy = busy;
    ui.times.setAttribute("aria-busy", String(busy));
    for (const button of ui.times.querySelectorAll("button.time")) button.disabled = busy;
    renderPaging();
  }

  async function choose(slot, button) {
    if (picker.busy) return;
    showText(ui.notice, "");
    setBusy(true);
    button.classList.add("is-choosing");
    try {
      await onChoose(slot);
    } finally {
      button.classList.remove("is-choosing");
      setBusy(false);
    }
  }

  function page(delta) {
    picker.week = Math.min(MAX_WEEKS - 1, Math.max(0, picker.week + delta));
    picker.day = null;
    showText(ui.notice, "");
    load();
  }

  ui.previous.addEventListener("click", () => page(-1));
  ui.next.addEventListener("click", () => page(1));

  return {
    /** What to offer: the store (code and zone), the type's code, the language wanted. */
    configure({ store, zone, type, language }) {
      Object.assign(picker, { query: { store, type, language }, zone, first: todayIn(zone), week: 0, day: null });
      picker.weeks.clear();
      showText(ui.notice, "");
      renderZoneLine();
      return load({ advance: true });
    },
    /** Asks the hub again (a time was taken, a hold lapsed), keeping the chosen day. */
    refresh: () => load({ refresh: true }),
    /** Says why a chosen time could not be had, under the day's heading ("" clears). */
    notice: (text) => showText(ui.notice, text),
    /** Focus on the chosen day's heading (after a refusal removed the focused time). */
    focus() {
      const target = ui.dayTitle.hidden ? ui.strip.querySelector("button:not([disabled])") || ui.previous : ui.dayTitle;
      target.focus();
    },
  };
}
