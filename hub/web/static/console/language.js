/**
 * The console's language: the one chosen in the header (kept in localStorage), else the
 * browser's first that the console speaks (CONSOLE_LANGUAGES), else English. Its catalogue
 * (/static/i18n/console/LANG.json) is loaded before anything is drawn, so every module may
 * call t() from then on; choosing another language reloads the page in it (keeping the
 * ambassador's presence, drafts and open conversation: console/language-carry.js).
 */
import { el } from "../shared/dom.js";
import {
  CONSOLE_LANGUAGES,
  applyLanguage,
  language,
  loadTexts,
  negotiate,
  translatePage,
  useTexts,
} from "../shared/i18n.js";
import { carryOver } from "./language-carry.js";

export const STORAGE_KEY = "concierge.consoleLanguage";
const CATALOGUES = "/static/i18n/console";

/** Each language in its own name, never translated: a reader looks for their own. */
const OWN_NAMES = { en: "English", fr: "Français", "zh-Hans": "简体中文", ja: "日本語" };

function savedChoice() {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch (_err) {
    return null; // storage blocked (private mode, policy): the browser's languages decide
  }
}

/** The language the console speaks on this browser. */
export function chooseLanguage() {
  const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  return negotiate([savedChoice(), ...browser], CONSOLE_LANGUAGES);
}

/** Loads the console's catalogue for `chosen` (the invitation page's too). */
export async function loadConsoleTexts(chosen) {
  try {
    await loadTexts(CATALOGUES, chosen);
  } catch (_err) {
    // That catalogue could not be read: English, else the keys themselves (a gap shows).
    try {
      await loadTexts(CATALOGUES, "en");
    } catch (_again) {
      useTexts("en", {});
    }
  }
}

/** The header's selector: the four languages, the current one chosen; a choice reloads. */
function wireSelector(select) {
  select.replaceChildren(
    ...CONSOLE_LANGUAGES.map((code) => el("option", { text: OWN_NAMES[code], attrs: { value: code, lang: code } })),
  );
  select.value = language();
  select.addEventListener("change", () => {
    try {
      window.localStorage.setItem(STORAGE_KEY, select.value);
    } catch (_err) {
      select.value = language(); // nowhere to keep the choice: a reload would not follow it
      return;
    }
    carryOver(); // presence, drafts and the open conversation survive the reload
    window.location.reload();
  });
}

/** Loads the texts, then sets <html lang dir> and the page's fixed texts. */
export async function startLanguage(select) {
  await loadConsoleTexts(chooseLanguage());
  applyLanguage(document.documentElement);
  translatePage(document);
  wireSelector(select);
}
