/**
 * The token a link carries in its fragment (/verify#…, /invite#…, /rate#…): browsers never
 * send the fragment to a server. It is taken out of the address bar and the history at
 * once, so a copied or shared URL carries no token; the page then sends it only in POST
 * bodies.
 */

/** The page's token ("" when the link had none); call once, as the page starts. */
export function takeLinkToken() {
  // The link opened again in this tab only changes the fragment: start afresh with it.
  window.addEventListener("hashchange", () => window.location.reload());
  const token = decodeURIComponent(window.location.hash.replace(/^#/, "")).trim();
  // Out of the address bar and history, so a copied or shared URL carries no token.
  window.history.replaceState(null, "", window.location.pathname);
  return token;
}
