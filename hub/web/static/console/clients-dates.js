/**
 * My clients' "Dates" tab: birthdays and anniversaries coming up within a chosen window,
 * soonest first, each with "Reach out" and "New task" (a card, a call).
 */
import { button, el, showText } from "../shared/dom.js";
import { formatCalendarDay, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { inDays, kindName } from "./clients-format.js";

const WINDOWS = [7, 30, 90, 365];

export function datesTab(actions) {
  const select = el("select", { attrs: { id: "clients-dates-window", "data-testid": "clients-dates-window" } });
  for (const days of WINDOWS) {
    const option = el("option", { text: t("clients.dates.days", { count: days }), attrs: { value: String(days) } });
    if (days === 30) option.selected = true;
    select.append(option);
  }
  const label = el("label", { text: t("clients.dates.window"), attrs: { for: "clients-dates-window" } });
  const status = el("p", { className: "empty", attrs: { role: "status" } });
  const list = el("ul", { className: "clients-list", attrs: { "data-testid": "clients-dates" } });
  const page = { ticket: 0 };

  async function load() {
    const ticket = ++page.ticket;
    showText(status, t("clients.loading"));
    let answer;
    try {
      answer = await api("GET", `/api/clients/dates?days=${select.value}`);
    } catch (err) {
      if (ticket === page.ticket) showText(status, err.message || t("clients.failed"));
      return;
    }
    if (ticket !== page.ticket) return;
    const dates = answer.dates || [];
    list.replaceChildren(...dates.map((entry) => row(entry, actions)));
    showText(status, dates.length ? "" : t("clients.dates.empty", { count: Number(select.value) }));
  }

  select.addEventListener("change", load);
  const root = el("div", { className: "clients-tab" }, [el("div", { className: "clients-toolbar" }, [label, select]), status, list]);
  return { el: root, show: load };
}

function row(entry, actions) {
  const client = { id: entry.customer_id, name: entry.name };
  const what = [kindName(entry.kind)];
  if (entry.years) what.push(t("clients.dates.years", { count: entry.years }));
  if (entry.label) what.push(entry.label);
  const reach = button(t("clients.reachOut"), "button button-quiet", "client-reach-out");
  const task = button(t("clients.newTask"), "button button-quiet", "client-new-task");
  reach.addEventListener("click", () => actions.reachOut(client));
  task.addEventListener("click", () => actions.newTask(client));
  return el("li", { className: "clients-card", attrs: { "data-testid": "client-date", "data-customer-id": entry.customer_id } }, [
    el("div", { className: "clients-card-head" }, [
      el("strong", { className: "clients-name", text: entry.name }),
      el("span", { className: "clients-when", text: inDays(entry.in_days), attrs: { "data-testid": "client-date-when" } }),
    ]),
    el("p", { className: "clients-facts" }, [
      el("span", { text: what.join(" · ") }),
      el("span", { text: formatCalendarDay(entry.date, "full") }),
    ]),
    el("div", { className: "clients-card-actions" }, [reach, task]),
  ]);
}
