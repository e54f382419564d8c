/**
 * How My clients says when: how far off a day is, today's date for a new task, and the kind
 * of date. Days themselves are written with shared/i18n.js' formatCalendarDay.
 */
import { t } from "../shared/i18n.js";

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
