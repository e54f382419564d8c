/**
 * The demo shop page's boutique and language, shared by its parts (chat.js, the contact and
 * callback forms): the boutique is the page's ?store=, as for the chat widget; the language
 * is settled once for the whole page (the widget on it included) and the page translated.
 */
import { translateOwnPage } from "../shared/page-language.js";
import { getToken } from "../widget/storage.js";

let translated = null;

export function pageStore() {
  const store = new URLSearchParams(window.location.search).get("store");
  return store && store.trim() ? store.trim() : undefined;
}

/** The page's language once its texts are in place (asked of the hub once). */
export function shopLanguage() {
  if (!translated) translated = translateOwnPage({ store: pageStore(), visitorToken: getToken() });
  return translated;
}
