/**
 * The language a shopper's page speaks, and its catalogue. The hub chooses (POST
 * /api/language: the shopper's profile, the page's lang, the browser's languages, the
 * store's default), so the widget, the booking page and the forms all agree with what the
 * conversation records. Asked once per page: the demo shop page and the widget on it share
 * this module, so they share the answer too. When the hub cannot be asked, the browser's
 * own languages decide; a catalogue that cannot be loaded leaves English (or the keys).
 */
import { applyLanguage, loadTexts, negotiate, supported, translatePage, useTexts } from "./i18n.js";

// What /api/language accepts as a page's lang; anything else is left out rather than refused.
const TAG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/;

let settled = null;

async function askHub(hubBase, body) {
  const response = await fetch(`${hubBase}/api/language`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`language: ${response.status}`);
  const data = await response.json();
  return supported(data && data.language);
}

async function settle({ hubBase, store, page, visitorToken }) {
  const body = {};
  if (store) body.store = store;
  if (page && TAG.test(page) && page.length <= 35) body.lang = page;
  if (visitorToken) body.visitor_token = visitorToken;
  let chosen = null;
  try {
    chosen = await askHub(hubBase, body);
  } catch (_err) {
    chosen = null; // offline, rate-limited, or an older hub: the browser decides below
  }
  chosen = chosen || negotiate([body.lang, ...(navigator.languages || [])]);
  const base = `${hubBase}/static/i18n`;
  try {
    await loadTexts(base, chosen);
  } catch (_err) {
    chosen = "en";
    await loadTexts(base, "en").catch(() => useTexts("en", {}));
  }
  return chosen;
}

/**
 * The page's language once its catalogue is in place. options: {hubBase ("" for the hub's
 * own pages), store, page (a lang hint), visitorToken}; the first call's options decide.
 */
export function settleLanguage(options = {}) {
  if (!settled) settled = settle({ hubBase: "", ...options });
  return settled;
}

/** The lang hint a page of the hub's own gives: ?lang= in its address, if any. */
export function requestedLanguage() {
  const asked = new URLSearchParams(window.location.search).get("lang");
  return asked ? asked.trim() : undefined;
}

/**
 * For the hub's own pages: settles the language, sets <html lang dir>, fills the
 * [data-i18n] texts and shows the page (hidden by the "i18n-pending" class until then).
 */
export async function translateOwnPage(options = {}) {
  const chosen = await settleLanguage({ page: requestedLanguage(), ...options });
  applyLanguage(document.documentElement, chosen);
  translatePage(document);
  document.documentElement.classList.remove("i18n-pending");
  return chosen;
}
