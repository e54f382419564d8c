/**
 * My clients' "Clients" tab: a search field and one card per client (tier, next birthday or
 * anniversary, open tasks, last contact), each with "Reach out" and "New task".
 */
import { button, el, showText } from "../shared/dom.js";
import { formatCalendarDay, formatDateTime, formatPrice, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { inDays, kindName } from "./clients-format.js";
import { renderTier } from "./customer.js";

const SEARCH_DELAY_MS = 250;

/** `actions`: {reachOut(client), newTask(client)}. */
export function clientsTab(actions) {
  const search = el("input", {
    className: "clients-search",
    attrs: {
      type: "search",
      id: "clients-search",
      autocomplete: "off",
      placeholder: t("clients.search.placeholder"),
      "data-testid": "clients-search",
    },
  });
  const label = el("label", { text: t("clients.search.label"), attrs: { for: "clients-search" } });
  const status = el("p", { className: "empty", attrs: { role: "status" } });
  const list = el("ul", { className: "clients-list", attrs: { "data-testid": "clients-list" } });
  const page = { ticket: 0, timer: null };

  async function load() {
    const ticket = ++page.ticket;
    showText(status, t("clients.loading"));
    const q = search.value.trim();
    let answer;
    try {
      answer = await api("GET", `/api/clients${q ? `?q=${encodeURIComponent(q)}` : ""}`);
    } catch (err) {
      if (ticket === page.ticket) showText(status, err.message || t("clients.failed"));
      return;
    }
    if (ticket !== page.ticket) return;
    const clients = answer.clients || [];
    list.replaceChildren(...clients.map((client) => card(client, actions)));
    showText(status, clients.length ? "" : q ? t("clients.search.none") : t("clients.empty"));
  }

  search.addEventListener("input", () => {
    clearTimeout(page.timer);
    page.timer = setTimeout(load, SEARCH_DELAY_MS);
  });
  const root = el("div", { className: "clients-tab" }, [
    el("div", { className: "clients-toolbar" }, [label, search]),
    status,
    list,
  ]);
  return { el: root, show: load };
}

function card(client, actions) {
  const facts = [];
  if (client.next_date) {
    const next = client.next_date;
    facts.push(
      el("span", {
        className: "clients-next-date",
        text: t("clients.nextDate", { kind: kindName(next.kind), date: formatCalendarDay(next.date), when: inDays(next.in_days) }),
        attrs: { "data-testid": "client-next-date" },
      }),
    );
  }
  if (client.open_tasks) {
    facts.push(el("span", { className: "clients-open-tasks", text: t("clients.openTasks", { count: client.open_tasks }) }));
  }
  facts.push(
    el("span", {
      text: client.last_contact_at
        ? t("clients.lastContact", { date: formatDateTime(client.last_contact_at, undefined, { dateStyle: "medium" }) })
        : t("clients.noContact"),
    }),
  );
  const values = Object.entries(client.lifetime_value || {}).map(([currency, amount]) =>
    formatPrice(amount, currency, { maximumFractionDigits: 0 }),
  );
  if (values.length) facts.push(el("span", { text: t("clients.lifetimeValue", { amount: values.join(" · ") }) }));
  const reach = button(t("clients.reachOut"), "button button-quiet", "client-reach-out");
  const task = button(t("clients.newTask"), "button button-quiet", "client-new-task");
  reach.addEventListener("click", () => actions.reachOut(client));
  task.addEventListener("click", () => actions.newTask(client));
  const tier = el("span", { className: "tier" });
  renderTier(tier, client.tier);
  return el("li", { className: "clients-card", attrs: { "data-testid": "client-card", "data-customer-id": client.id } }, [
    el("div", { className: "clients-card-head" }, [el("strong", { className: "clients-name", text: client.name }), tier]),
    el("p", { className: "clients-facts" }, facts),
    el("div", { className: "clients-card-actions" }, [reach, task]),
  ]);
}
