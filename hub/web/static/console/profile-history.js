/**
 * What the customer did before: recent purchases (the piece, its stone, what it cost) and
 * past conversations on every channel (where, with whom, when, how it ended).
 */
import { el } from "../shared/dom.js";
import { formatDay } from "../shared/time.js";
import { channelLabel } from "./channels.js";
import { state } from "./state.js";
import { capitalise, emptyLine, formatMoney, profileSection } from "./profile-parts.js";

const join = (parts) => parts.filter(Boolean).join(" \u00b7 ");

/** "0.52 ct · F · VS1 · excellent cut", or "" for a piece without a stone. */
function stoneLine(stone) {
  if (!stone) return "";
  const carat = stone.carat ? `${Number(stone.carat)} ct` : "";
  return join([carat, stone.colour, stone.clarity, stone.cut ? `${stone.cut} cut` : ""]);
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
      el("span", { className: "profile-item-title", text: purchase.description || purchase.sku || "Purchase" }),
      el("span", { className: "profile-price", text: priceLine(purchase) }),
    ]),
    el("p", {
      className: "profile-item-meta",
      text: join([formatDay(purchase.purchased_at), capitalise(purchase.category), capitalise(purchase.metal)]),
    }),
    stone ? el("p", { className: "profile-item-meta", text: `Stone: ${stone}` }) : null,
  ]);
}

function conversationItem(line) {
  const ambassador = line.ambassador;
  const who = ambassador
    ? state.staff && ambassador.id === state.staff.id
      ? "with you"
      : `with ${ambassador.name || "a colleague"}`
    : "unassigned";
  return el(
    "li",
    { className: "profile-item", attrs: { "data-testid": "profile-conversation", "data-status": line.status || "" } },
    [
      el("p", { className: "profile-item-top" }, [
        el("span", { className: "profile-item-title", text: join([channelLabel(line.channel), line.store]) }),
        el("span", {
          className: "profile-status",
          attrs: { "data-status": line.status || "" },
          text: line.status || "",
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
  listSection("Recent purchases", "profile-purchases", "No purchases recorded.", (p) => p.purchases, purchaseItem);

export const conversationsSection = () =>
  listSection("Conversations", "profile-conversations", "No conversations.", (p) => p.conversations, conversationItem);
