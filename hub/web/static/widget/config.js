/**
 * Where the hub is and what the shop told us: data-store and data-language on the widget's
 * script tag, or the page's ?store= parameter.
 */

export const config = {
  hubBase: "", // origin plus any path prefix, no trailing slash
  staticBase: "", // ends with a slash
  store: undefined,
  language: "en",
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

function readLanguage(script) {
  const raw = (script && script.dataset.language) || navigator.language || "en";
  // The hub expects BCP 47 with a lower-case primary subtag ("fr", "en-GB").
  const [primary, ...rest] = raw.trim().split(/[-_]/);
  return [primary.toLowerCase(), ...rest].join("-");
}

export function configure({ scriptUrl, hubBase, staticBase }) {
  const script = findOwnScript(scriptUrl);
  config.hubBase = hubBase;
  config.staticBase = staticBase;
  config.store = readStore(script);
  config.language = readLanguage(script);
}
