/**
 * Where the hub is and what the shop told us: data-store and data-language (or data-lang)
 * on the widget's script tag, or the page's ?store= parameter and its <html lang>.
 */

export const config = {
  hubBase: "", // origin plus any path prefix, no trailing slash
  staticBase: "", // ends with a slash
  store: undefined,
  pageLanguage: undefined, // what the shop page asks for: a hint for the hub's choice
  language: "en", // what the hub chose (main.js), spoken by the panel and the conversation
};

/** Module scripts have no document.currentScript: find the tag by its URL. */
function findOwnScript(scriptUrl) {
  const scripts = Array.from(document.querySelectorAll("script[src]"));
  return (
    scripts.find((s) => s.src === scriptUrl) ||
    scripts.reverse().find((s) => /\/widget\.js(?:[?#].*)?$/.test(s.src)) ||
    null
  );
}

function readStore(script) {
  const fromTag = script && script.dataset.store;
  if (fromTag) return fromTag.trim();
  const fromPage = new URLSearchParams(window.location.search).get("store");
  return fromPage ? fromPage.trim() : undefined;
}

/** The tag's own language, else the shop page's: the browser's languages come later, at the hub. */
function readPageLanguage(script) {
  const data = script ? script.dataset : {};
  const raw = data.language || data.lang || document.documentElement.lang || "";
  if (!raw.trim()) return undefined;
  // BCP 47 with a lower-case primary subtag ("fr", "en-GB").
  const [primary, ...rest] = raw.trim().split(/[-_]/);
  return [primary.toLowerCase(), ...rest].join("-");
}

export function configure({ scriptUrl, hubBase, staticBase }) {
  const script = findOwnScript(scriptUrl);
  config.hubBase = hubBase;
  config.staticBase = staticBase;
  config.store = readStore(script);
  config.pageLanguage = readPageLanguage(script);
}
