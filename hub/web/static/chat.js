/**
 * The demo shop page (/chat): its texts in the language the hub chooses for the shopper (the
 * widget on the page speaks the same one), right to left for Arabic, and its prices written
 * the reader's way in their own currency. Listed first in chat.html, so the page's language
 * is asked for before the widget asks.
 */
import { shopLanguage } from "./contact/shop-page.js";
import { formatPrice, t } from "./shared/i18n.js";

/** "From €14,800" · "À partir de 14 800 €" · "14,800ユーロから". */
function showPrices() {
  for (const node of document.querySelectorAll("[data-price]")) {
    const whole = { minimumFractionDigits: 0, maximumFractionDigits: 0 };
    const price = formatPrice(node.dataset.price, node.dataset.currency || "EUR", whole);
    node.textContent = t("chat.priceFrom", { price });
  }
}

shopLanguage().then(showPrices);
