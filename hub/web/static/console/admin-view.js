/**
 * Administration: stores, staff, channel accounts, routing settings and the audit log, for
 * managers and admins. A full-width view like Insights (console/views.js); ambassadors never
 * see the entry, and the hub answers them 403 anyway. Five tabs (an ARIA tablist: arrow keys,
 * Home and End move between them); each tab's page is built when first shown and reloads
 * its list each time it is shown again. Nothing the console offers is what the hub would
 * refuse, but every refusal it does send is shown where it applies.
 */
import { t } from "../shared/i18n.js";
import { auditTab } from "./admin-audit.js";
import { channelsTab } from "./admin-channels.js";
import { forgetAdminData, storesChanged } from "./admin-data.js";
import { routingTab } from "./admin-routing.js";
import { staffTab } from "./admin-staff.js";
import { storesTab } from "./admin-stores.js";
import { isManager } from "./session.js";
import { tabbedView } from "./tabbed-view.js";

const view = tabbedView({
  name: "admin",
  tabs: [
    { name: "stores", label: () => t("admin.tab.stores"), build: storesTab },
    { name: "staff", label: () => t("admin.tab.staff"), build: staffTab },
    { name: "channels", label: () => t("admin.tab.channels"), build: channelsTab },
    { name: "routing", label: () => t("admin.tab.routing"), build: routingTab },
    { name: "audit", label: () => t("admin.tab.audit"), build: auditTab },
  ],
  allowed: () => isManager(),
  // The stores in reach are read afresh each time the view opens.
  onOpen: () => storesChanged(),
});

/** Back to the conversations. */
export const closeAdmin = view.close;

export const wireAdmin = view.wire;

/** After sign-in: the entry is for managers and admins only. */
export const setupAdmin = view.setup;

/** On sign-out: nothing of the last session's pages or data is kept. */
export function resetAdmin() {
  view.reset();
  forgetAdminData();
}
