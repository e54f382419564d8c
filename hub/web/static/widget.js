/*
 * Concierge web-chat widget: the entry module. Embed on any shop page with one tag:
 *   <script type="module" src="https://HUB/widget.js" data-store="PARIS01" data-language="fr"></script>
 *
 * The hub serves this file at /widget.js (and /static/widget.js) but the widget's other
 * modules under /static/, so plain relative imports would miss them from /widget.js: the
 * static base is worked out from import.meta.url and the rest comes in with import().
 * The parts: widget/main.js (start), config, storage, ui, panel, messages, composer,
 * about-you (the optional pre-chat form), proposal (proposed times, booked in one click) and
 * proposal-times, incoming, connection, offline and callback (the "Request a callback" form
 * among the offline options); and the helpers in shared/ that the console and the demo shop
 * page use too.
 */

const here = new URL(import.meta.url);
const servedFromStatic = here.pathname.endsWith("/static/widget.js");
// The hub's base URL (origin plus any path prefix), for /api and socket.io.
const hubBase = here.origin + here.pathname.replace(/\/(?:static\/)?widget\.js$/, "");
const staticBase = servedFromStatic ? new URL("./", here) : new URL("./static/", here);

// A page that includes the tag twice (or a SPA that re-injects it) gets one widget.
if (!window.__conciergeWidgetLoaded) {
  window.__conciergeWidgetLoaded = true;
  import(new URL("widget/main.js", staticBase).href).then(({ start }) =>
    start({ scriptUrl: import.meta.url, hubBase, staticBase: staticBase.href }),
  );
}
