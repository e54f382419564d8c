/**
 * The Administration pages' pure rules: no DOM, no network (tests/unit/test_admin_rules.py
 * runs them in Node). What the console offers a manager mirrors hub.staff_access, so it
 * never offers what the hub would refuse; the hub still decides.
 */

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };

/**
 * Weekly hours ({mon: [["10:00", "19:00"]], …}) in the notation the hub reads back
 * ("Mon-Sat 10:00-19:00; Sun 12:00-17:00"): days in a row with the same hours join in a
 * range. Null (always open, or the store's hours) is the empty string.
 */
export function hoursText(weekly) {
  if (!weekly) return "";
  const groups = [];
  for (const day of DAYS) {
    const ranges = weekly[day];
    if (!ranges || !ranges.length) continue;
    const text = ranges.map(([a, b]) => `${a}-${b}`).join(" ");
    const last = groups[groups.length - 1];
    if (last && last.text === text && DAYS.indexOf(last.to) === DAYS.indexOf(day) - 1) last.to = day;
    else groups.push({ from: day, to: day, text });
  }
  return groups
    .map((g) => `${DAY_NAMES[g.from]}${g.to === g.from ? "" : `-${DAY_NAMES[g.to]}`} ${g.text}`)
    .join("; ");
}

/** "bridal, repairs" as a list of words (the hub lower-cases and checks them). */
export function wordList(text) {
  return String(text || "")
    .split(",")
    .map((word) => word.trim())
    .filter(Boolean);
}

/** A number field's value: a number, the text as typed (so the hub names what is wrong),
 * or null when empty. */
export function numberOrText(text) {
  const raw = String(text ?? "").trim();
  if (raw === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : raw;
}

/**
 * What `me` ({id, role}) may do to `person` ({id, role, stores, status}) given the store
 * codes `mine` they manage (all of them for an admin): hub.staff_access's rules.
 */
export function powers(me, person, mine) {
  const admin = me.role === "admin";
  const managed = new Set(mine);
  const self = me.id === person.id;
  const targetAdmin = person.role === "admin";
  const elsewhere = (person.stores || []).some((code) => !managed.has(code));
  const touchable = admin || !targetAdmin;
  const whole = admin || (!targetAdmin && (self || !elsewhere));
  return {
    // Name, languages, skills, capacity: they follow the person into every store.
    editWhole: whole,
    editRole: whole && !self,
    roles: admin ? ["ambassador", "manager", "admin"] : ["ambassador", "manager"],
    // Stores a manager may grant or withdraw: their own; an admin, any.
    grantable: (code) => touchable && (admin || managed.has(code)),
    schedules: touchable,
    deactivate: whole && !self && person.status !== "deactivated",
    activate: whole && person.status === "deactivated",
    resend: touchable && person.status === "invited",
    reason: !touchable ? "admin_only" : whole ? null : "outside_your_stores",
  };
}

/**
 * The changes a PATCH should carry: only the fields whose value differs from `before`
 * (lists compared in order; stores as a set, limited to `grantable` ones).
 */
export function changedFields(before, after) {
  const changes = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    const same = Array.isArray(value)
      ? Array.isArray(old) && value.length === old.length && value.every((item, i) => item === old[i])
      : value === old;
    if (!same) changes[key] = value;
  }
  return changes;
}

/** The store codes a manager sends in a PATCH: their part (the others stay as they were). */
export function storesPart(ticked, grantable) {
  return ticked.filter(grantable);
}

const HIDDEN_DETAIL = /password|token|secret|hash/i;

/** {mon: [["10:00", "19:00"]], …}: weekly hours, written as a manager types them. */
function isWeekly(value) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => DAYS.includes(key) && Array.isArray(value[key]));
}

/**
 * An audit entry's data in one short line: "code=LYON01 · changes: role, stores".
 * Never a value whose key looks like a secret (the hub drops them too).
 */
export function auditSummary(data, limit = 160) {
  const parts = [];
  for (const [key, value] of Object.entries(data || {})) {
    // Secrets never; ids say nothing to a reader (the subject column names the record).
    if (HIDDEN_DETAIL.test(key) || key === "id" || key.endsWith("_id")) continue;
    if (value === null || value === undefined || value === "") continue;
    if (isWeekly(value)) {
      parts.push(`${key}=${hoursText(value)}`);
    } else if (key === "changes" && value && typeof value === "object" && !Array.isArray(value)) {
      parts.push(`${key}: ${Object.keys(value).join(", ")}`);
    } else if (Array.isArray(value)) {
      parts.push(`${key}=${value.map((item) => (typeof item === "object" ? JSON.stringify(item) : String(item))).join(",")}`);
    } else if (typeof value === "object") {
      parts.push(`${key}=${JSON.stringify(value)}`);
    } else {
      parts.push(`${key}=${value}`);
    }
  }
  const text = parts.join(" · ");
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** A date input ("2026-12-01") as the instant its day starts on the reader's clock. */
export function dayStart(value, offsetMinutes) {
  if (!value) return null;
  const sign = offsetMinutes > 0 ? "-" : "+";
  const total = Math.abs(offsetMinutes);
  const hh = String(Math.floor(total / 60)).padStart(2, "0");
  const mm = String(total % 60).padStart(2, "0");
  return `${value}T00:00:00${sign}${hh}:${mm}`;
}
