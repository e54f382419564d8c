/**
 * How My clients writes days: a calendar day ("2026-12-02", no time, no zone) in the reader's
 * conventions, and how far off it is. A day is formatted in UTC on purpose: it is a date the
 * hub already counted on the store's calendar, and no zone may move it by one.
 */
import { locale, t } from "../shared/i18n.js";

/** "2 Dec 2026" / "2 déc. 2026" / "2026年12月2日". */
export function formatDay(day, options = { dateStyle: "medium" }) {
  if (!day) return "";
  return new Intl.DateTimeFormat(locale(), { ...options, timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/** "today", "tomorrow", "in 7 days". */
export function inDays(count) {
  if (count === 0) return t("clients.when.today");
  if (count === 1) return t("clients.when.tomorrow");
  return t("clients.when.days", { count });
}

/** The day before which today's tasks count as overdue: today in the reader's zone. */
export function todayIso() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function kindName(kind) {
  return kind === "anniversary" ? t("clients.kind.anniversary") : t("clients.kind.birthday");
}
