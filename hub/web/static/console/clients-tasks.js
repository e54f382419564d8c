/**
 * My clients' "Tasks" tab: my open follow-up tasks, overdue first then today's then later
 * (the hub sorts by due day and says which bucket each is in on the store's clock); "Mark
 * done" takes one off the list, "New task" adds one for a client of mine.
 */
import { button, el, showText } from "../shared/dom.js";
import { formatCalendarDay, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { openTaskDialog } from "./clients-task-dialog.js";
import { announce } from "./notices.js";

const BUCKETS = ["overdue", "today", "upcoming"];

export function tasksTab(actions) {
  const add = button(t("clients.newTask"), "button", "clients-tasks-new");
  const status = el("p", { className: "empty", attrs: { role: "status" } });
  const groups = el("div", { className: "clients-task-groups", attrs: { "data-testid": "clients-tasks" } });
  const page = { ticket: 0 };

  async function load() {
    const ticket = ++page.ticket;
    showText(status, t("clients.loading"));
    let answer;
    try {
      answer = await api("GET", "/api/tasks?status=open");
    } catch (err) {
      if (ticket === page.ticket) showText(status, err.message || t("clients.failed"));
      return;
    }
    if (ticket !== page.ticket) return;
    const tasks = answer.tasks || [];
    groups.replaceChildren(
      ...BUCKETS.map((bucket) => group(bucket, tasks.filter((task) => task.bucket === bucket), load, actions)).filter(Boolean),
    );
    showText(status, tasks.length ? "" : t("clients.tasks.empty"));
  }

  add.addEventListener("click", async () => {
    let answer;
    try {
      answer = await api("GET", "/api/clients");
    } catch (err) {
      showText(status, err.message || t("clients.failed"));
      return;
    }
    const clients = answer.clients || [];
    if (!clients.length) return showText(status, t("clients.empty"));
    openTaskDialog(null, clients, load);
  });
  const root = el("div", { className: "clients-tab" }, [el("div", { className: "clients-toolbar" }, [add]), status, groups]);
  return { el: root, show: load };
}

function group(bucket, tasks, reload, actions) {
  if (!tasks.length) return null;
  return el("section", { className: `clients-task-group clients-task-${bucket}`, attrs: { "data-testid": `clients-tasks-${bucket}` } }, [
    el("h3", { text: t(`clients.tasks.bucket.${bucket}`) }),
    el("ul", { className: "clients-list" }, tasks.map((task) => item(task, reload, actions))),
  ]);
}

function item(task, reload, actions) {
  const done = button(t("clients.tasks.done"), "button button-quiet", "clients-task-done");
  const reach = button(t("clients.reachOut"), "button button-quiet", "client-reach-out");
  done.setAttribute("aria-label", t("clients.tasks.doneLabel", { title: task.title }));
  done.addEventListener("click", async () => {
    done.disabled = true;
    try {
      await api("PATCH", `/api/tasks/${encodeURIComponent(task.id)}`, { done: true });
      announce(t("clients.tasks.doneNotice", { title: task.title }));
      reload();
    } catch (err) {
      done.disabled = false;
      announce(err.message || t("clients.failed"));
    }
  });
  reach.addEventListener("click", () => actions.reachOut(task.customer, task.id));
  const facts = [el("span", { text: task.customer.name }), el("span", { text: t("clients.tasks.due", { date: formatCalendarDay(task.due_on) }) })];
  if (task.note) facts.push(el("span", { className: "clients-task-note", text: task.note }));
  return el("li", { className: "clients-card", attrs: { "data-testid": "clients-task", "data-task-id": task.id } }, [
    el("div", { className: "clients-card-head" }, [el("strong", { className: "clients-name", text: task.title })]),
    el("p", { className: "clients-facts" }, facts),
    el("div", { className: "clients-card-actions" }, [done, reach]),
  ]);
}
