/**
 * Texts and formats of the pages, from one JSON catalogue per language.
 *
 * Shopper pages (widget, booking, contact, rating) read /static/i18n/LANG.json, the
 * console /static/i18n/console/LANG.json. Keys are dotted names ("widget.send"); a value
 * is a string with {placeholders}, or, for texts that count something, an object keyed by
 * the plural categories of Intl.PluralRules ("zero", "one", "two", "few", "many",
 * "other"; Arabic uses all six) and picked by the `count` value.
 *
 * The server negotiates the language (profile, page, Accept-Language, store default:
 * hub.i18n.languages); the same tags are understood here. A key missing from a catalogue
 * falls back to English, then to the key itself, so a gap shows rather than breaks.
 */

export const SHOPPER_LANGUAGES = ["en", "fr", "zh-Hans", "zh-Hant", "ja", "ko", "nl", "de", "it", "es", "ar"];
export const CONSOLE_LANGUAGES = ["en", "fr", "zh-Hans", "ja"];
const RIGHT_TO_LEFT = new Set(["ar"]);
const TRADITIONAL = new Set(["tw", "hk", "mo", "hant"]);

const current = { language: "en", locale: "en", texts: {}, fallback: {}, plural: new Intl.PluralRules("en") };

/** The supported language a BCP 47 tag asks for, or null (mirrors hub.i18n.supported). */
export function supported(tag, among = SHOPPER_LANGUAGES) {
  if (!tag) return null;
  const parts = String(tag).trim().replace(/_/g, "-").toLowerCase().split("-");
  if (parts[0] === "zh") {
    const script = parts.slice(1).some((p) => TRADITIONAL.has(p)) ? "zh-Hant" : "zh-Hans";
    return among.includes(script) ? script : null;
  }
  return among.find((language) => language.toLowerCase() === parts[0]) || null;
}

/** The first supported language among candidate tags, English when none is. */
export function negotiate(candidates, among = SHOPPER_LANGUAGES) {
  for (const tag of candidates) {
    const found = supported(tag, among);
    if (found) return found;
  }
  return "en";
}

async function fetchCatalogue(base, language) {
  const response = await fetch(`${base}/${language}.json`, { credentials: "omit" });
  if (!response.ok) throw new Error(`catalogue ${language}: ${response.status}`);
  return response.json();
}

/**
 * Loads the catalogue of `language` (and English beneath it) from `base`, e.g.
 * "https://hub.example/static/i18n" or "/static/i18n/console".
 */
export async function loadTexts(base, language) {
  const [texts, fallback] = await Promise.all([
    fetchCatalogue(base, language),
    language === "en" ? Promise.resolve(null) : fetchCatalogue(base, "en").catch(() => ({})),
  ]);
  useTexts(language, texts, fallback || texts);
}

/**
 * The browser's own regional form of a language (en-GB for en, zh-HK for zh-Hant), so dates,
 * clocks and numbers read the way the shopper is used to; the language itself otherwise.
 */
function regional(lang) {
  const wanted = (typeof navigator !== "undefined" && navigator.languages) || [];
  return wanted.find((tag) => supported(tag, [lang]) === lang) || lang;
}

/** Installs a catalogue already at hand (tests, or a page that embeds one). */
export function useTexts(language, texts, fallback = texts) {
  current.language = language;
  current.locale = regional(language);
  current.texts = texts;
  current.fallback = fallback;
  current.plural = new Intl.PluralRules(language);
}

export function language() {
  return current.language;
}

/** The locale Intl formats with: the language, in the browser's regional form when it has one. */
export function locale() {
  return current.locale;
}

export function direction(lang = current.language) {
  return RIGHT_TO_LEFT.has(lang) ? "rtl" : "ltr";
}

/** Sets lang and dir on an element (the page's <html>, or the widget's root). */
export function applyLanguage(element, lang = current.language) {
  element.setAttribute("lang", lang);
  element.setAttribute("dir", direction(lang));
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole,
  );
}

/** The text of `key` with its {placeholders} filled from `values`. */
export function t(key, values = {}) {
  let text = current.texts[key] ?? current.fallback[key] ?? key;
  if (typeof text === "object" && text !== null) {
    const count = Number(values.count ?? 0);
    text = text[current.plural.select(count)] ?? text.other ?? key;
    values = { ...values, count: formatNumber(count) };
  }
  return fill(String(text), values);
}

/** Fills every [data-i18n] element's text (and [data-i18n-attr="attr:key,…"]) under root. */
export function translatePage(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(",")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) element.setAttribute(attr, t(key));
    }
  }
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(current.locale, options).format(value);
}

/**
 * A price in its own currency, written the reader's way; never converted or summed.
 * options refine Intl's (e.g. no cents for a "from" price).
 */
export function formatPrice(amount, currency, options = {}) {
  return new Intl.NumberFormat(current.locale, { style: "currency", currency, ...options }).format(Number(amount));
}

/**
 * A calendar date ("2026-12-24": no time, no zone, a day the hub already counted on some
 * store's calendar) in the reader's conventions: read at noon UTC and written in UTC, so no
 * zone can move it by a day.
 */
export function formatCalendarDay(isoDate, dateStyle = "medium") {
  if (!isoDate) return "";
  return formatDateTime(`${isoDate}T12:00:00Z`, "UTC", { dateStyle });
}

/** A date and time on the clock of `timeZone` (an IANA zone), in the reader's conventions. */
export function formatDateTime(value, timeZone, options = { dateStyle: "medium", timeStyle: "short" }) {
  return new Intl.DateTimeFormat(current.locale, { ...options, timeZone }).format(new Date(value));
}
