/**
 * WeChat's 48-hour window, as the ambassador needs to read it: WeChat takes an ambassador's
 * message only within 48 hours of the client's last one, and only while they follow the
 * account. Pure: from the hub's channel_state (and a refused reply, if any) and the time now
 * to what the panel says and whether the composer is closed.
 */
import { t } from "../shared/i18n.js";
import { formatDuration, formatStamp } from "./formats.js";

const HOUR_MS = 60 * 60 * 1000;
export const WINDOW_MS = 48 * HOUR_MS;
const WARN_MS = 2 * HOUR_MS; // "hurry" below this
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit

/** The reply ack's error codes for a reply WeChat would not take, and the reason each means. */
const REFUSALS = {
  wechat_window_closed: "window_closed",
  wechat_unsubscribed: "unsubscribed",
  wechat_unknown_user: "unknown_user",
};

export const refusalReason = (error) => (error && REFUSALS[error.code]) || null;

/** "at 17:59" today, "on 3 Mar, 17:59" another day. */
function pastMoment(ms) {
  const date = new Date(ms);
  const stamp = formatStamp(date.toISOString());
  return date.toDateString() === new Date().toDateString() ? t("time.atClock", { time: stamp }) : t("time.onDay", { stamp });
}

function explanation(reason, closesMs) {
  if (reason === "unsubscribed") return t("wechat.unsubscribed");
  if (reason === "unknown_user") return t("wechat.unknownUser");
  return closesMs === null ? t("wechat.windowClosed") : t("wechat.windowClosedAt", { when: pastMoment(closesMs) });
}

/** The window as of now: a closes_at already passed means closed, whatever the hub said then. */
function windowNow(wechat, now) {
  const window = (wechat && wechat.window) || {};
  const parsed = Date.parse(window.closes_at);
  const closesMs = Number.isNaN(parsed) ? null : parsed;
  if (window.open && (closesMs === null || closesMs > now)) return { open: true, reason: null, closesMs };
  return { open: false, reason: window.reason || "window_closed", closesMs };
}

/**
 * {blocked, tone: "open"|"warn"|"closed", headline, details: [text], alternatives,
 *  refused: text|null, recheckMs: when to look again (null: no need)}.
 */
export function windowView(wechat, { refusal = null, alternatives = [], now = Date.now() } = {}) {
  const current = windowNow(wechat, now);
  if (current.open && !refusal) {
    const stamp = current.closesMs === null ? "" : formatStamp(new Date(current.closesMs).toISOString());
    const left = current.closesMs === null ? Infinity : current.closesMs - now;
    const base = { blocked: false, details: [], alternatives: [], refused: null };
    if (left > WARN_MS) {
      const recheckMs = Number.isFinite(left) ? Math.min(left - WARN_MS, MAX_TIMER_MS) : null;
      return { ...base, tone: "open", headline: t("wechat.until", { stamp }), recheckMs };
    }
    // Re-read every minute so the time left stays true, and at the close itself.
    const recheckMs = Math.max(1000, Math.min(left, 60 * 1000));
    const headline = t("wechat.hurry", { stamp, left: formatDuration(left / 1000) });
    return { ...base, tone: "warn", headline, details: [t("wechat.hurryWhy")], recheckMs };
  }
  const reason = refusal ? refusal.reason || current.reason : current.reason;
  const details = refusal && refusal.message ? [refusal.message] : [explanation(reason, current.closesMs)];
  // A follower still gets template messages; the hub's own refusal text already says so.
  if (!refusal && reason === "window_closed") details.push(t("wechat.templates"));
  if (!refusal && alternatives.length === 0) details.push(t("wechat.noAlternatives"));
  return {
    blocked: true,
    tone: "closed",
    headline: t("wechat.closed"),
    details,
    alternatives,
    refused: refusal ? t("wechat.refused") : null,
    recheckMs: null,
  };
}
