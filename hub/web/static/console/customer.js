/** How a customer is named and labelled wherever the console shows one. */
import { showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

export const customerName = (customer) => (customer && customer.name) || t("customer.guest");

/** The tier badge (e.g. "VIC"): hidden when the customer has none. */
export function renderTier(node, tier) {
  showText(node, tier);
  node.dataset.tier = tier || "";
}
