/**
 * The proposal dialog's day picker and the free times of that day (`GET /api/availability`
 * for the conversation's store, the chosen type and the conversation's language), grouped by
 * part of the day, each a checkbox. Which times are chosen is the dialog's (a Map it owns),
 * so a choice survives moving to another day.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { addDays, clockIn, dayPart, hourIn, instant, longDay, todayIn, zoneLabel } from "./zoned-time.js";

const PARTS = {
  night: () => t("proposal.part.night"),
  morning: () => t("proposal.part.morning"),
  afternoon: () => t("proposal.part.afternoon"),
  evening: () => t("proposal.part.evening"),
};

const PART_ORDER = ["night", "morning", "afternoon", "evening"];

/** The free slots of one store day: [{start, end}] as the hub writes them. */
export async function freeSlots({ store, type, language }, day) {
  const query = new URLSearchParams({ store, type, from: day, to: day });
  if (language) query.set("language", language);
  const data = await api("GET", `/api/availability?${query}`);
  const slots = (data && Array.isArray(data.slots) ? data.slots : []).filter(
    (slot) => slot && slot.start && slot.available !== 0,
  );
  return slots.map((slot) => ({ start: slot.start, end: slot.end }));
}

/**
 * chosen: Map start -> {start, end}; max: how many may be chosen; onChange(): after a
 * time is ticked or unticked; onFailure(err): a failed request (the dialog decides).
 */
export function timePicker({ chosen, max, onChange, onFailure }) {
  const ctx = { query: null, zone: "UTC", day: null, ticket: 0, slots: [] };
  const previous = button("\u2039", "button button-quiet proposal-step", "proposal-day-previous");
  const next = button("\u203a", "button button-quiet proposal-step", "proposal-day-next");
  previous.setAttribute("aria-label", t("calendar.previousDay"));
  next.setAttribute("aria-label", t("calendar.nextDay"));
  const dayInput = el("input", {
    attrs: { id: "proposal-day", type: "date", required: "", "data-testid": "proposal-day" },
  });
  const hint = el("p", { className: "field-hint proposal-zone", attrs: { "data-testid": "proposal-zone" } });
  const legend = el("legend");
  const status = el("p", { className: "empty", attrs: { role: "status", "data-testid": "proposal-times-status" } });
  const groups = el("div", { className: "proposal-times", attrs: { "data-testid": "proposal-times" } });
  const root = el("div", { className: "proposal-when" }, [
    el("div", { className: "field" }, [
      el("label", { text: t("calendar.day"), attrs: { for: "proposal-day" } }),
      el("div", { className: "proposal-day-row" }, [previous, dayInput, next]),
      hint,
    ]),
    el("fieldset", { className: "proposal-fieldset" }, [legend, status, groups]),
  ]);

  function chip(slot) {
    const start = instant(slot.start);
    const checked = chosen.has(slot.start);
    const input = el("input", {
      attrs: {
        type: "checkbox",
        value: slot.start,
        "data-testid": "proposal-time",
        "data-start": slot.start,
        disabled: !checked && chosen.size >= max ? "" : undefined,
      },
    });
    input.checked = checked;
    input.addEventListener("change", () => {
      if (input.checked) chosen.set(slot.start, slot);
      else chosen.delete(slot.start);
      onChange();
    });
    return el("label", { className: "proposal-time" }, [input, el("span", { text: clockIn(start, ctx.zone) })]);
  }

  /** Redraws the day's times from what was fetched (after a choice changes, too). */
  function render() {
    const focused = document.activeElement && groups.contains(document.activeElement) ? document.activeElement.value : null;
    const byPart = new Map();
    for (const slot of ctx.slots) {
      const start = instant(slot.start);
      if (!start) continue;
      const part = dayPart(hourIn(start, ctx.zone));
      if (!byPart.has(part)) byPart.set(part, []);
      byPart.get(part).push(chip(slot));
    }
    groups.replaceChildren(
      ...PART_ORDER.filter((part) => byPart.has(part)).map((part) =>
        el("div", { className: "proposal-part" }, [
          el("p", { className: "proposal-part-title", text: PARTS[part]() }),
          el("div", { className: "proposal-part-times" }, byPart.get(part)),
        ]),
      ),
    );
    if (focused) {
      const again = Array.from(groups.querySelectorAll("input")).find((input) => input.value === focused);
      if (again) again.focus();
    }
  }

  async function load() {
    const ticket = ++ctx.ticket;
    const day = ctx.day;
    legend.textContent = t("proposal.timesOn", { day: longDay(day) });
    previous.disabled = day <= todayIn(ctx.zone);
    ctx.slots = [];
    groups.replaceChildren();
    if (!ctx.query || !ctx.query.type) return;
    showText(status, t("proposal.loadingTimes"));
    groups.setAttribute("aria-busy", "true");
    let slots;
    try {
      slots = await freeSlots(ctx.query, day);
    } catch (err) {
      if (ticket !== ctx.ticket) return;
      groups.setAttribute("aria-busy", "false");
      showText(status, t("proposal.timesFailed", { message: err.message }));
      onFailure(err);
      return;
    }
    if (ticket !== ctx.ticket) return;
    groups.setAttribute("aria-busy", "false");
    ctx.slots = slots;
    showText(status, slots.length ? "" : t("proposal.noTimes"));
    render();
  }

  function goTo(day) {
    const today = todayIn(ctx.zone);
    ctx.day = day && day >= today ? day : today;
    dayInput.value = ctx.day;
    load();
  }

  /** The day can be chosen once the boutique (its zone, its types) is known. */
  function setEnabled(enabled) {
    dayInput.disabled = !enabled;
    next.disabled = !enabled;
    if (!enabled) previous.disabled = true;
  }
  setEnabled(false);

  previous.addEventListener("click", () => goTo(addDays(ctx.day, -1)));
  next.addEventListener("click", () => goTo(addDays(ctx.day, 1)));
  dayInput.addEventListener("change", () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dayInput.value)) goTo(dayInput.value);
  });

  return {
    el: root,
    render,
    /** query: {store, type, language}; zone: the store's; starts today (the store's today). */
    start(query, zone) {
      ctx.query = query;
      ctx.zone = zone;
      dayInput.min = todayIn(zone);
      hint.textContent = t("proposal.zoneHint", { zone: zoneLabel(zone) });
      setEnabled(true);
      goTo(todayIn(zone));
    },
    setType(type) {
      ctx.query = { ...ctx.query, type };
      load();
    },
    reload: load,
    stop() {
      ctx.ticket += 1;
      ctx.query = null;
      setEnabled(false);
    },
  };
}
