/**
 * What the widget keeps in the browser: the visitor token, the outbox of messages typed but
 * not yet acknowledged, and which proposed times were booked here. localStorage can throw in
 * private modes or sandboxed iframes: memory stands in then (lost on reload, but the chat
 * still works).
 */

const TOKEN_KEY = "concierge.visitor_token";
const OUTBOX_KEY = "concierge.outbox";
const BOOKED_KEY = "concierge.booked_proposals";
const BOOKED_KEPT = 50; // the newest; an older proposal's times have long passed
const memoryStore = new Map();

function storageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (_err) {
    return memoryStore.has(key) ? memoryStore.get(key) : null;
  }
}

function storageSet(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (_err) {
    memoryStore.set(key, value);
  }
}

function storageRemove(key) {
  try {
    window.localStorage.removeItem(key);
  } catch (_err) {
    memoryStore.delete(key);
  }
}

export const getToken = () => storageGet(TOKEN_KEY);
export const setToken = (token) => storageSet(TOKEN_KEY, token);
export const dropToken = () => storageRemove(TOKEN_KEY);

/** The outbox, oldest first: [{client_id, text, created_ms, contact?}] (contact: about-you.js). */
export function readOutbox() {
  try {
    const items = JSON.parse(storageGet(OUTBOX_KEY) || "[]");
    return Array.isArray(items) ? items.filter((i) => i && i.client_id && typeof i.text === "string") : [];
  } catch (_err) {
    return [];
  }
}

function writeOutbox(items) {
  if (items.length) storageSet(OUTBOX_KEY, JSON.stringify(items));
  else storageRemove(OUTBOX_KEY);
}

export function addToOutbox(item) {
  const items = readOutbox().filter((i) => i.client_id !== item.client_id);
  items.push(item);
  writeOutbox(items);
}

export function removeFromOutbox(clientId) {
  writeOutbox(readOutbox().filter((i) => i.client_id !== clientId));
}

/**
 * Proposals booked from this browser, [[message_id, start], ...] oldest first: a proposal
 * replayed by history is shown booked, not offered again. The manage link is not kept: its
 * token opens the appointment to anyone who reads this storage.
 */
function readBooked() {
  try {
    const pairs = JSON.parse(storageGet(BOOKED_KEY) || "[]");
    const valid = (p) => Array.isArray(p) && typeof p[0] === "string" && typeof p[1] === "string";
    return Array.isArray(pairs) ? pairs.filter(valid) : [];
  } catch (_err) {
    return [];
  }
}

/** The start booked from a proposal message, or null. */
export function bookedStart(messageId) {
  const found = readBooked().find(([id]) => id === messageId);
  return found ? found[1] : null;
}

export function rememberBooked(messageId, start) {
  const pairs = readBooked().filter(([id]) => id !== messageId);
  pairs.push([messageId, start]);
  storageSet(BOOKED_KEY, JSON.stringify(pairs.slice(-BOOKED_KEPT)));
}
