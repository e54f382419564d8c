/**
 * Times, lengths of time and language names as the console's reader writes them: clocks and
 * days from shared/time.js (Intl in the page's locale), durations in the catalogue's words
 * ("3 min", "3分"), language names from Intl.DisplayNames.
 */
import { formatNumber, locale, t } from "../shared/i18n.js";

export { formatClock, formatCountdown, formatDay, formatStamp } from "../shared/time.js";

/** A wait as people say it: "45 s", "3 min", "1 h 05 min" in English. */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  if (total < 60) return t("time.seconds", { seconds: formatNumber(total) });
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return t("time.minutes", { minutes: formatNumber(minutes) });
  return t("time.hoursMinutes", {
    hours: formatNumber(Math.floor(minutes / 60)),
    minutes: String(minutes % 60).padStart(2, "0"),
  });
}

/** A language's name in the reader's language ("French" for "fr"); the code when unknown. */
export function languageName(code) {
  if (!code) return "";
  try {
    return new Intl.DisplayNames([locale()], { type: "language" }).of(code) || code;
  } catch (_err) {
    return code; // not a tag Intl can read
  }
}
