/**
 * The hold: a chosen time kept for the shopper for a few minutes while they fill in the
 * form. Its token lives only in memory; going back, or leaving the page, releases it so the
 * time is free again at once instead of when the hold lapses.
 */
import { t } from "../shared/i18n.js";
import { formatCountdown } from "../shared/time.js";
import { api, send } from "./api.js";
import { announce } from "./view.js";

const countdown = { node: null, timer: null, endsAt: 0, span: 0, warned: false, onLapse: null };

/** The hold in force: {hold_id, hold_token, start, end, expires_at, store, type} or null. */
export let current = null;

/**
 * When the hold lapses by this browser's clock: the hub's expiry moved by how far this
 * clock is from the hub's (its Date header). The header is rounded down to the second and
 * sent before the trip back, so this errs late, never early, and half a second is added:
 * at the lapse the hub has freed the time too, and the refreshed times include it again.
 */
function localExpiry(expiresAt, response) {
  const expires = Date.parse(expiresAt);
  const serverNow = Date.parse(response.headers.get("Date") || "");
  if (Number.isNaN(serverNow)) return { endsAt: expires, span: expires - Date.now() };
  // The countdown never shows more than the hold's length ("10:00", not "10:01").
  const span = Math.floor((expires - serverNow) / 1000) * 1000;
  return { endsAt: expires - (serverNow - Date.now()) + 500, span };
}

export async function placeHold({ store, type, start, language }) {
  const { data, response } = await send("/api/holds", {
    method: "POST",
    body: { store, type, start, language },
  });
  current = { ...data, store, type, language, ...localExpiry(data.expires_at, response) };
  return current;
}

/** Frees the held time (best effort: it lapses by itself anyway). */
export async function releaseHold({ leaving = false } = {}) {
  const held = current;
  stopCountdown();
  current = null;
  if (!held) return;
  try {
    await api(`/api/holds/${encodeURIComponent(held.hold_id)}`, {
      method: "DELETE",
      token: held.hold_token,
      keepalive: leaving,
    });
  } catch (_err) {
    // Expired or already gone: either way the time is no longer held.
  }
}

/** The hold became an appointment: forget it without releasing. */
export function holdUsed() {
  stopCountdown();
  current = null;
}

function tick() {
  const left = countdown.endsAt - Date.now();
  countdown.node.textContent = formatCountdown(Math.min(left, countdown.span));
  if (left <= 60_000 && !countdown.warned) {
    countdown.warned = true;
    announce(t("book.oneMinuteLeft"));
  }
  if (left <= 0) {
    const onLapse = countdown.onLapse;
    stopCountdown();
    current = null;
    if (onLapse) onLapse();
  }
}

/** Shows the time left in node, every second; onLapse runs once when it is up. */
export function startCountdown(node, onLapse) {
  stopCountdown();
  if (!current) return;
  Object.assign(countdown, { node, endsAt: current.endsAt, span: current.span, warned: false, onLapse });
  tick();
  if (current) countdown.timer = window.setInterval(tick, 1000);
}

function stopCountdown() {
  if (countdown.timer) window.clearInterval(countdown.timer);
  countdown.timer = null;
  countdown.onLapse = null;
}

/** Leaving the page with a time held frees it for others (keepalive outlives the page). */
export function releaseOnLeave() {
  window.addEventListener("pagehide", () => {
    if (current) releaseHold({ leaving: true });
  });
}
