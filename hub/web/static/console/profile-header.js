/**
 * The top of the customer profile: name, tier, lifetime value per currency, preferred
 * ambassador, and a notice once the customer's personal data has been erased.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { customerName, renderTier } from "./customer.js";
import { formatMoney } from "./profile-parts.js";
import { state } from "./state.js";

/** "€12,300.00 · $4,000.00" (largest first), or "" when nothing was bought. */
function lifetimeValue(values) {
  return Object.entries(values || {})
    .sort(([, a], [, b]) => Number(b) - Number(a))
    .map(([currency, amount]) => formatMoney(amount, currency))
    .filter(Boolean)
    .join(" \u00b7 ");
}

function preferredLine(preferred) {
  if (!preferred) return t("profile.noPreferred");
  if (state.staff && preferred.id === state.staff.id) return t("profile.preferredYou");
  return t("profile.preferred", { name: preferred.name || t("common.aColleague") });
}

/** onClose: the "Close" button shown when the profile was opened from the search. */
export function profileHeader(onClose) {
  const name = el("h2", { className: "profile-name", attrs: { id: "profile-name", tabindex: "-1" } });
  const tier = el("span", { className: "tier", attrs: { "data-testid": "profile-tier" } });
  const ltv = el("span", { className: "profile-ltv-value", attrs: { "data-testid": "profile-ltv" } });
  const preferred = el("p", { className: "profile-preferred", attrs: { "data-testid": "profile-preferred" } });
  const erased = el("p", {
    className: "notice profile-erased",
    text: t("profile.erased"),
    attrs: { "data-testid": "profile-erased" },
  });
  const close = button(t("profile.close"), "button button-quiet profile-close", "profile-close");
  close.addEventListener("click", onClose);
  erased.hidden = true;
  const root = el("header", { className: "profile-header" }, [
    el("div", { className: "profile-title" }, [name, tier, close]),
    el("p", { className: "profile-ltv" }, [el("span", { className: "profile-label", text: `${t("profile.lifetimeValue")} ` }), ltv]),
    preferred,
    erased,
  ]);

  function render(profile) {
    name.textContent = customerName(profile);
    renderTier(tier, profile.tier);
    ltv.textContent = lifetimeValue(profile.lifetime_value) || t("profile.noPurchasesYet");
    preferred.textContent = preferredLine(profile.preferred_ambassador);
    erased.hidden = !profile.erased;
  }

  /** Before the first answer for a customer: the name we already know, nothing else. */
  function placeholder(customer) {
    name.textContent = customer ? customerName(customer) : t("profile.customer");
    renderTier(tier, customer && customer.tier);
    ltv.textContent = "";
    preferred.textContent = "";
    erased.hidden = true;
  }

  return { el: root, name, render, placeholder };
}
