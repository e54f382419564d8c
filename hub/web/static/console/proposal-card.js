/**
 * A proposal in the timeline (a message whose `data.proposal` lists the times offered): shown
 * as a card with the type and each time in the boutique's zone, instead of the long text the
 * shopper's channel gets (every channel receives that text; the widget shows buttons).
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { typeLine, whenLine } from "./appointment-text.js";
import { zoneLabel } from "./zoned-time.js";

/** The proposal a message carries, or null. */
export function proposalOf(message) {
  const proposal = message && message.data && message.data.proposal;
  return proposal && Array.isArray(proposal.slots) ? proposal : null;
}

function slotItem(slot, zone) {
  return el("li", {
    className: "proposal-slot",
    text: whenLine(slot.start, slot.end, zone),
    attrs: { "data-testid": "proposal-slot", "data-start": slot.start },
  });
}

/** Fills a timeline bubble with the card, or leaves the plain text when there is no proposal. */
export function renderProposalCard(bubble, message) {
  const proposal = proposalOf(message);
  if (!proposal) {
    delete bubble.dataset.kind;
    return;
  }
  const store = proposal.store || {};
  const zone = store.timezone || "UTC";
  bubble.dataset.kind = "proposal";
  const link =
    typeof proposal.book_url === "string" && /^https?:\/\//.test(proposal.book_url)
      ? el("a", {
          className: "proposal-link",
          text: t("proposal.bookingPage"),
          attrs: { href: proposal.book_url, target: "_blank", rel: "noopener" },
        })
      : null;
  bubble.replaceChildren(
    el("div", { className: "proposal-card", attrs: { "data-testid": "proposal-card" } }, [
      el("p", { className: "proposal-title", text: t("proposal.cardTitle") }),
      el("p", { className: "proposal-card-type", text: typeLine(proposal.type) }),
      el("ul", { className: "proposal-slots" }, proposal.slots.map((slot) => slotItem(slot, zone))),
      el("p", {
        className: "proposal-store",
        text: t("proposal.cardStore", { store: store.name || store.code || "", zone: zoneLabel(zone) }),
      }),
      link,
    ]),
  );
}
