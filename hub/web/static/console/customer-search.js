/**
 * Finding a customer from the sidebar: by name, e-mail, phone or POS number, in the
 * caller's boutiques. Asks the hub once typing pauses and from 2 characters; a result opens
 * that profile in the panel (read only, as there is no conversation to write in).
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { customerName, renderTier } from "./customer.js";
import { dom } from "./elements.js";
import { kindLabel } from "./profile-parts.js";
import { openCustomerProfile } from "./profile-panel.js";
import { sessionEnded } from "./session.js";

const DEBOUNCE_MS = 300;
const MIN_CHARS = 2;

const search = { timer: null, ticket: 0, query: "" };

/** "E-mail lea@example.com · Phone +33…": what tells two guests apart. */
function identitiesLine(identities) {
  return (Array.isArray(identities) ? identities : [])
    .filter((identity) => identity.kind !== "visitor")
    .slice(0, 2)
    .map((identity) => `${kindLabel(identity.kind)} ${identity.value}`)
    .join(" \u00b7 ");
}

function resultItem(customer) {
  const tier = el("span", { className: "tier" });
  renderTier(tier, customer.tier);
  const button = el(
    "button",
    {
      className: "conv-item search-result",
      attrs: { type: "button", "data-testid": "customer-search-result", "data-customer-id": customer.id },
    },
    [
      el("span", { className: "conv-item-top" }, [
        el("span", { className: "conv-item-name", text: customerName(customer) }),
        tier,
      ]),
      el("span", { className: "search-result-meta", text: identitiesLine(customer.identities) }),
    ],
  );
  button.addEventListener("click", () => openCustomerProfile(customer));
  return el("li", {}, [button]);
}

function showResults(customers, query) {
  dom.customerSearchResults.replaceChildren(...customers.map(resultItem));
  showText(dom.customerSearchStatus, customers.length ? "" : t("search.noMatch", { query }));
}

async function runSearch(query) {
  const ticket = ++search.ticket;
  let data;
  try {
    data = await api("GET", `/api/customers?q=${encodeURIComponent(query)}`);
  } catch (err) {
    if (ticket !== search.ticket) return;
    if (err.status === 401) sessionEnded();
    else showText(dom.customerSearchStatus, err.message);
    return;
  }
  if (ticket !== search.ticket) return;
  showResults((data && data.customers) || [], query);
}

function onInput() {
  const query = dom.customerSearch.value.trim();
  if (query === search.query) return;
  search.query = query;
  clearTimeout(search.timer);
  search.ticket += 1; // an answer for the previous text is no longer wanted
  if (query.length < MIN_CHARS) {
    dom.customerSearchResults.replaceChildren();
    showText(dom.customerSearchStatus, query ? t("search.tooShort", { count: MIN_CHARS }) : "");
    return;
  }
  search.timer = setTimeout(() => runSearch(query), DEBOUNCE_MS);
}

/** Signed out: the box and its results are emptied. */
export function resetCustomerSearch() {
  clearTimeout(search.timer);
  search.ticket += 1;
  search.query = "";
  dom.customerSearch.value = "";
  dom.customerSearchResults.replaceChildren();
  showText(dom.customerSearchStatus, "");
}

export function wireCustomerSearch() {
  dom.customerSearch.addEventListener("input", onInput);
  dom.customerSearchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = dom.customerSearch.value.trim();
    if (query.length < MIN_CHARS) return;
    clearTimeout(search.timer);
    search.query = query;
    runSearch(query);
  });
}
