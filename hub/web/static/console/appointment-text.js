/**
 * How the console words an appointment wherever it shows one (calendar, profile, the
 * proposal card in a conversation): its status, its type and length, who takes it, when.
 */
import { formatNumber, t } from "../shared/i18n.js";
import { state } from "./state.js";
import { clockIn, clockRangeIn, dayKeyIn, instant, longDay, shortDay, zoneLabel } from "./zoned-time.js";

const STATUS = {
  booked: () => t("appointment.status.booked"),
  completed: () => t("appointment.status.completed"),
  no_show: () => t("appointment.status.noShow"),
  cancelled: () => t("appointment.status.cancelled"),
};

export const statusLabel = (status) => (STATUS[status] ? STATUS[status]() : status || "");

/** "10:00 – 11:00 Paris time": a time and the zone it is told in. */
export const inZone = (time, zone) => t("appointment.inZone", { time, zone });

/** "In-store appointment · 60 min" (duration only when known). */
export function typeLine(type) {
  const name = (type && type.name) || (type && type.code) || t("appointment.fallbackType");
  const minutes = type && Number(type.duration_minutes);
  return minutes > 0 ? `${name} \u00b7 ${t("appointment.minutes", { minutes: formatNumber(minutes) })}` : name;
}

/** "with you", "with Amélie Laurent". */
export function withWhom(ambassador) {
  if (!ambassador || !ambassador.id) return t("appointment.unassigned");
  if (state.staff && ambassador.id === state.staff.id) return t("appointment.withYou");
  return t("appointment.withName", { name: ambassador.name || t("common.aColleague") });
}

/** The zone an appointment is told in: its store's. */
export const zoneOf = (line) => (line && line.store && line.store.timezone) || "UTC";

/** "Thursday 26 November, 10:00 – 11:00 Paris time" for a start and an end (ISO). */
export function whenLine(startIso, endIso, zone) {
  const start = instant(startIso);
  if (!start) return "";
  const end = instant(endIso);
  const time = end ? clockRangeIn(start, end, zone) : clockIn(start, zone);
  return t("appointment.dayTime", { day: longDay(dayKeyIn(start, zone)), time: inZone(time, zoneLabel(zone)) });
}

/** "Thu 26 Nov, 10:00 Paris time": short, for lists. */
export function shortWhen(startIso, zone) {
  const start = instant(startIso);
  if (!start) return "";
  return t("appointment.dayTime", { day: shortDay(dayKeyIn(start, zone)), time: inZone(clockIn(start, zone), zoneLabel(zone)) });
}
