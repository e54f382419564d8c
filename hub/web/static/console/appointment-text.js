/**
 * How the console words an appointment wherever it shows one (calendar, profile, the
 * proposal card in a conversation): its status, its type and length, who takes it, when.
 */
import { state } from "./state.js";
import { clockIn, clockRangeIn, dayKeyIn, instant, longDay, shortDay, zoneLabel } from "./zoned-time.js";

const TEXT = {
  status: { booked: "Booked", completed: "Completed", no_show: "No-show", cancelled: "Cancelled" },
  minutes: (n) => `${n} min`,
  withYou: "with you",
  withColleague: (name) => `with ${name || "a colleague"}`,
  unassigned: "no ambassador",
  appointment: "Appointment",
  inZone: (time, zone) => `${time} ${zone}`,
};

export const statusLabel = (status) => TEXT.status[status] || status || "";

/** "In-store appointment · 60 min" (duration only when known). */
export function typeLine(type) {
  const name = (type && type.name) || (type && type.code) || TEXT.appointment;
  const minutes = type && Number(type.duration_minutes);
  return minutes > 0 ? `${name} \u00b7 ${TEXT.minutes(minutes)}` : name;
}

/** "with you", "with Amélie Laurent". */
export function withWhom(ambassador) {
  if (!ambassador || !ambassador.id) return TEXT.unassigned;
  if (state.staff && ambassador.id === state.staff.id) return TEXT.withYou;
  return TEXT.withColleague(ambassador.name);
}

/** The zone an appointment is told in: its store's. */
export const zoneOf = (line) => (line && line.store && line.store.timezone) || "UTC";

/** "Thursday 26 November, 10:00 – 11:00 Paris time" for a start and an end (ISO). */
export function whenLine(startIso, endIso, zone) {
  const start = instant(startIso);
  if (!start) return "";
  const end = instant(endIso);
  const time = end ? clockRangeIn(start, end, zone) : clockIn(start, zone);
  return `${longDay(dayKeyIn(start, zone))}, ${TEXT.inZone(time, zoneLabel(zone))}`;
}

/** "Thu 26 Nov, 10:00 Paris time": short, for lists. */
export function shortWhen(startIso, zone) {
  const start = instant(startIso);
  if (!start) return "";
  return `${shortDay(dayKeyIn(start, zone))}, ${TEXT.inZone(clockIn(start, zone), zoneLabel(zone))}`;
}
