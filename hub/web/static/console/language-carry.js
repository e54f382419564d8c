/**
 * What a language switch carries across its page reload: the ambassador's presence, their
 * unsent drafts and the open conversation. Without it, choosing another language made an
 * available ambassador away (every connection starts away) and lost what they were typing.
 * Kept in sessionStorage (this tab only) for the reload alone: taken back at once, for the
 * same person, within a minute, and dropped on sign-out.
 */
import { dom } from "./elements.js";
import { state } from "./state.js";

const KEY = "concierge.console.carry";
const FRESH_MS = 60_000;

/** Just before the reload. */
export function carryOver() {
  if (!state.staff) return;
  const drafts = new Map(state.drafts);
  if (state.selectedId && dom.replyInput.value) drafts.set(state.selectedId, dom.replyInput.value);
  const carried = {
    staff: state.staff.id,
    at: Date.now(),
    presence: dom.presence.value,
    selected: state.selectedId || null,
    drafts: [...drafts],
  };
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(carried));
  } catch (_err) {
    // Nowhere to keep it: the reload starts afresh, as it used to.
  }
}

/** After sign-in: what the previous page carried for this person, once; else null. */
export function takeCarried(staffId) {
  let carried = null;
  try {
    carried = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
    window.sessionStorage.removeItem(KEY);
  } catch (_err) {
    return null;
  }
  if (!carried || carried.staff !== staffId || !(Date.now() - carried.at < FRESH_MS)) return null;
  return {
    presence: carried.presence === "available" ? "available" : "away",
    selected: typeof carried.selected === "string" ? carried.selected : null,
    drafts: Array.isArray(carried.drafts)
      ? carried.drafts.filter((pair) => Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string")
      : [],
  };
}

/** Sign-out: nothing of this person's carried for the next one. */
export function dropCarried() {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch (_err) {
    // Nothing was kept.
  }
}
