/**
 * My clients: the customers whose preferred ambassador I am, their coming birthdays and
 * anniversaries, my follow-up tasks, and "Reach out" on a channel they agreed to. A
 * full-width view like Insights (console/views.js), for every staff member. Three tabs (an
 * ARIA tablist: arrow keys, Home and End move between them), each loading afresh when shown.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { closeCalendar } from "./calendar-view.js";
import { datesTab } from "./clients-dates.js";
import { clientsTab } from "./clients-list.js";
import { forgetOutreach, openOutreach } from "./clients-outreach.js";
import { forgetTaskDialog, openTaskDialog } from "./clients-task-dialog.js";
import { tasksTab } from "./clients-tasks.js";
import { selectConversation } from "./conversation-pane.js";
import { closeQueueBoard } from "./queue-board.js";
import { state } from "./state.js";
import { openingView, registerView } from "./views.js";

const $ = (id) => document.getElementById(id);
const TABS = [
  { name: "clients", label: () => t("clients.tab.clients"), build: clientsTab },
  { name: "dates", label: () => t("clients.tab.dates"), build: datesTab },
  { name: "tasks", label: () => t("clients.tab.tasks"), build: tasksTab },
];
const view = { open: false, parts: null, current: null };

const actions = {
  reachOut: (client, taskId) => openOutreach(client, taskId, openSent),
  newTask: (client) => openTaskDialog(client, [], () => refreshCurrent()),
};

/** The message is queued and the conversation is mine: show it in the workspace. */
function openSent(conversationId) {
  closeMyClients();
  selectConversation(conversationId);
}

function refreshCurrent() {
  if (!view.open || !view.current) return;
  const entry = parts().tabs.get(view.current);
  if (entry.page) entry.page.show();
}

function parts() {
  if (view.parts) return view.parts;
  const root = $("clients-view");
  root.setAttribute("aria-labelledby", "clients-title");
  const title = el("h2", { text: t("clients.title"), attrs: { id: "clients-title", tabindex: "-1" } });
  const sub = el("p", { className: "board-sub", text: t("clients.subtitle") });
  const close = button(t("clients.close"), "button button-quiet", "clients-close");
  close.addEventListener("click", () => {
    closeMyClients();
    $("clients-open").focus();
  });
  const list = el("div", { className: "clients-tabs", attrs: { role: "tablist", "aria-label": t("clients.title") } });
  const panels = el("div", { className: "clients-panels" });
  const tabs = new Map();
  for (const spec of TABS) {
    const tab = el("button", {
      className: "clients-tab-button",
      text: spec.label(),
      attrs: {
        type: "button",
        role: "tab",
        id: `clients-tab-${spec.name}`,
        "aria-controls": `clients-panel-${spec.name}`,
        "aria-selected": "false",
        tabindex: "-1",
        "data-testid": `clients-tab-${spec.name}`,
      },
    });
    const panel = el("div", {
      className: "clients-panel",
      attrs: {
        role: "tabpanel",
        id: `clients-panel-${spec.name}`,
        "aria-labelledby": `clients-tab-${spec.name}`,
        tabindex: "0",
        "data-testid": `clients-panel-${spec.name}`,
      },
    });
    panel.hidden = true;
    tab.addEventListener("click", () => select(spec.name));
    tab.addEventListener("keydown", onTabKey);
    list.append(tab);
    panels.append(panel);
    tabs.set(spec.name, { spec, tab, panel, page: null });
  }
  root.replaceChildren(
    el("header", { className: "board-header" }, [el("div", { className: "board-title" }, [title, sub]), close]),
    el("div", { className: "clients-body" }, [list, panels]),
  );
  view.parts = { root, title, tabs };
  return view.parts;
}

function onTabKey(event) {
  const names = TABS.map((spec) => spec.name);
  const at = names.indexOf(view.current);
  const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: names.length - 1 };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const next = names[(moves[event.key] + names.length) % names.length];
  select(next);
  parts().tabs.get(next).tab.focus();
}

function select(name) {
  const { tabs } = parts();
  view.current = name;
  for (const [other, entry] of tabs) {
    const chosen = other === name;
    entry.tab.setAttribute("aria-selected", String(chosen));
    entry.tab.tabIndex = chosen ? 0 : -1;
    entry.panel.hidden = !chosen;
  }
  const entry = tabs.get(name);
  if (!entry.page) {
    entry.page = entry.spec.build(actions);
    entry.panel.replaceChildren(entry.page.el);
  }
  entry.page.show();
}

/** Opens the view (on `tab`, else where it was left); also for the profile panel's entries. */
export function openMyClients(tab) {
  if (!state.staff) return;
  if (!view.open) {
    openingView("clients");
    closeQueueBoard({ restoreView: false });
    closeCalendar({ restoreView: false });
    view.open = true;
    $("main").dataset.clients = "open";
    parts().root.hidden = false;
    $("clients-open").setAttribute("aria-expanded", "true");
  }
  select(tab || view.current || "clients");
  parts().title.focus();
}

/** Back to the conversations. */
export function closeMyClients() {
  if (!view.open) return;
  view.open = false;
  delete $("main").dataset.clients;
  parts().root.hidden = true;
  $("clients-open").setAttribute("aria-expanded", "false");
}

/** Reach out / new task for one client from elsewhere in the console (the profile panel). */
export const clientActions = actions;

/** Once, when the page loads: listeners on the page's own elements. */
export function wireMyClients() {
  registerView("clients", closeMyClients);
  $("clients-open").addEventListener("click", () => (view.open ? closeMyClients() : openMyClients()));
  // The calendar and the live queue live in the workspace: opening either leaves this view.
  for (const id of ["calendar-open", "queue-board-open"]) $(id).addEventListener("click", () => closeMyClients());
}

/** After sign-in (state.staff is known): every staff member has clients. */
export function setupMyClients() {
  const entry = $("clients-open");
  entry.textContent = t("clients.open");
  entry.hidden = false;
}

/** On sign-out: forget everything of the last session. */
export function resetMyClients() {
  closeMyClients();
  $("clients-open").hidden = true;
  forgetOutreach();
  forgetTaskDialog();
  view.current = null;
  if (view.parts) {
    view.parts.root.replaceChildren();
    view.parts = null;
  }
}
