/**
 * What the customer did before: recent purchases (the piece, its stone, what it cost) and
 * past conversations on every channel (where, with whom, when, how it ended).
 */
import { el } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { withWhom } from "./appointment-text.js";
import { channelLabel } from "./channels.js";
import { formatDay } from "./formats.js";
import { capitalise, emptyLine, formatMoney, profileSection } from "./profile-parts.js";

const join = (parts) => parts.filter(Boolean).join(" \u00b7 ");

// A conversation's status (hub.db.models.Conversation.status).
const STATUS = {
  scheduled: () => t("conversation.status.scheduled"),
  queued: () => t("conversation.status.queued"),
  offered: () => t("conversation.status.offered"),
  assigned: () => t("conversation.status.assigned"),
  closed: () => t("conversation.status.closed"),
};

/** "0.52 ct · F · VS1 · excellent cut", or "" for a piece without a stone. */
function stoneLine(stone) {
  if (!stone) return "";
  const carat = stone.carat ? t("profile.carat", { carat: formatNumber(Number(stone.carat)) }) : "";
  return join([carat, stone.colour, stone.clarity, stone.cut ? t("profile.cut", { cut: stone.cut }) : ""]);
}

function priceLine(purchase) {
  const price = formatMoney(purchase.unit_price, purchase.currency);
  const quantity = Number(purchase.quantity) || 1;
  return price && quantity > 1 ? `${quantity} \u00d7 ${price}` : price;
}

function purchaseItem(purchase) {
  const stone = stoneLine(purchase.stone);
  return el("li", { className: "profile-item", attrs: { "data-testid": "profile-purchase" } }, [
    el("p", { className: "profile-item-top" }, [
      el("span", { className: "profile-item-title", text: purchase.description || purchase.sku || t("profile.purchase") }),
      el("span", { className: "profile-price", text: priceLine(purchase) }),
    ]),
    el("p", {
      className: "profile-item-meta",
      text: join([formatDay(purchase.purchased_at), capitalise(purchase.category), capitalise(purchase.metal)]),
    }),
    stone ? el("p", { className: "profile-item-meta", text: t("profile.stone", { stone }) }) : null,
  ]);
}

function conversationItem(line) {
  const who = line.ambassador ? withWhom(line.ambassador) : t("profile.unassigned");
  const status = line.status ? (STATUS[line.status] ? STATUS[line.status]() : line.status) : "";
  return el(
    "li",
    { className: "profile-item", attrs: { "data-testid": "profile-conversation", "data-status": line.status || "" } },
    [
      el("p", { className: "profile-item-top" }, [
        el("span", { className: "profile-item-title", text: join([channelLabel(line.channel), line.store]) }),
        el("span", {
          className: "profile-status",
          attrs: { "data-status": line.status || "" },
          text: status,
        }),
      ]),
      el("p", { className: "profile-item-meta", text: join([formatDay(line.created_at), who]) }),
    ],
  );
}

/** A read-only list section: {el, render(profile), reset()}. */
export function listSection(title, testid, emptyText, itemsOf, item) {
  const section = profileSection(title, { "data-testid": testid });
  const list = el("ul", { className: "profile-list" });
  const empty = emptyLine(emptyText);
  section.body.append(list, empty);
  const show = (items) => {
    list.replaceChildren(...items.map(item));
    empty.hidden = items.length > 0;
  };
  return {
    el: section.el,
    render: (profile) => show(itemsOf(profile) || []),
    reset: () => show([]),
  };
}

export const purchasesSection = () =>
  listSection(t("profile.purchases"), "profile-purchases", t("profile.noPurchases"), (p) => p.purchases, purchaseItem);

export const conversationsSection = () =>
  listSection(
    t("profile.conversations"),
    "profile-conversations",
    t("profile.noConversations"),
    (p) => p.conversations,
    conversationItem,
  );
