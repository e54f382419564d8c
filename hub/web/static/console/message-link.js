/**
 * A link the client shared (a WeChat link message): title, description and address. It comes
 * from the client, so it is shown as text and opened only if it is http(s), in a new tab
 * that gets neither our window nor our address.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const text = (value) => (typeof value === "string" ? value.trim() : "");

/** The URL when it is a web address, else null (javascript:, data: and the like are not). */
function webAddress(value) {
  try {
    const url = new URL(text(value));
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (_err) {
    return null;
  }
}

/** The card for data.link, or null when the message has none. */
export function linkCard(message) {
  const link = message && message.data && message.data.link;
  if (!link || typeof link !== "object") return null;
  const href = webAddress(link.url);
  const shown = text(link.url);
  const parts = [
    el("p", { className: "shared-link-kind", text: t("message.link") }),
    el("p", { className: "shared-link-title", text: text(link.title) || shown || t("message.untitledLink") }),
  ];
  if (text(link.description)) parts.push(el("p", { className: "shared-link-description", text: text(link.description) }));
  if (href) {
    parts.push(
      el("a", {
        className: "shared-link-url",
        text: shown,
        attrs: { href, target: "_blank", rel: "noopener noreferrer" },
      }),
    );
  } else if (shown) {
    parts.push(el("p", { className: "shared-link-url", text: shown }));
  }
  return el("div", { className: "shared-link", attrs: { "data-testid": "message-link" } }, parts);
}
