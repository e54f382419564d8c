/**
 * My clients: the customers whose preferred ambassador I am, their coming birthdays and
 * anniversaries, my follow-up tasks, and "Reach out" on a channel they agreed to. A
 * full-width view like Insights (console/views.js), for every staff member. Three tabs (an
 * ARIA tablist: arrow keys, Home and End move between them), each loading afresh when shown.
 */
import { t } from "../shared/i18n.js";
import { datesTab } from "./clients-dates.js";
import { clientsTab } from "./clients-list.js";
import { forgetOutreach, openOutreach } from "./clients-outreach.js";
import { forgetTaskDialog, openTaskDialog } from "./clients-task-dialog.js";
import { tasksTab } from "./clients-tasks.js";
import { selectConversation } from "./conversation-pane.js";
import { state } from "./state.js";
import { tabbedView } from "./tabbed-view.js";

const actions = {
  reachOut: (client, taskId) => openOutreach(client, taskId, openSent),
  newTask: (client) => openTaskDialog(client, [], () => view.refresh()),
};

const view = tabbedView({
  name: "clients",
  tabs: [
    { name: "clients", label: () => t("clients.tab.clients"), build: clientsTab },
    { name: "dates", label: () => t("clients.tab.dates"), build: datesTab },
    { name: "tasks", label: () => t("clients.tab.tasks"), build: tasksTab },
  ],
  context: actions,
  // Every staff member has clients.
  allowed: () => Boolean(state.staff),
});

/** The message is queued and the conversation is mine: show it in the workspace. */
function openSent(conversationId) {
  closeMyClients();
  selectConversation(conversationId);
}

/** Opens the view (on `tab`, else where it was left); also for the profile panel's entries. */
export const openMyClients = view.open;

/** Back to the conversations. */
export const closeMyClients = view.close;

/** Reach out / new task for one client from elsewhere in the console (the profile panel). */
export const clientActions = actions;

export const wireMyClients = view.wire;
export const setupMyClients = view.setup;

/** On sign-out: forget everything of the last session. */
export function resetMyClients() {
  view.reset();
  forgetOutreach();
  forgetTaskDialog();
}
