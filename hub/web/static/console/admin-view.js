/**
 * Administration: stores, staff, channel accounts, routing settings and the audit log, for
 * managers and admins. A full-width view like Insights (console/views.js); ambassadors never
 * see the entry, and the hub answers them 403 anyway. Five tabs (an ARIA tablist: arrow keys,
 * Home and End move between them); each tab's page is built when first shown and reloads
 * its list each time it is shown again. Nothing the console offers is what the hub would
 * refuse, but every refusal it does send is shown where it applies.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { auditTab } from "./admin-audit.js";
import { channelsTab } from "./admin-channels.js";
import { forgetAdminData, storesChanged } from "./admin-data.js";
import { routingTab } from "./admin-routing.js";
import { staffTab } from "./admin-staff.js";
import { storesTab } from "./admin-stores.js";
import { closeCalendar } from "./calendar-view.js";
import { closeQueueBoard } from "./queue-board.js";
import { isManager } from "./session.js";
import { openingView, registerView } from "./views.js";

const $ = (id) => document.getElementById(id);
const TABS = [
  { name: "stores", label: () => t("admin.tab.stores"), build: storesTab },
  { name: "staff", label: () => t("admin.tab.staff"), build: staffTab },
  { name: "channels", label: () => t("admin.tab.channels"), build: channelsTab },
  { name: "routing", label: () => t("admin.tab.routing"), build: routingTab },
  { name: "audit", label: () => t("admin.tab.audit"), build: auditTab },
];
const view = { open: false, parts: null, current: null };

function parts() {
  if (view.parts) return view.parts;
  const root = $("admin-view");
  root.setAttribute("aria-labelledby", "admin-title");
  const title = el("h2", { text: t("admin.title"), attrs: { id: "admin-title", tabindex: "-1" } });
  const sub = el("p", { className: "board-sub", text: t("admin.subtitle") });
  const close = button(t("admin.close"), "button button-quiet", "admin-close");
  close.addEventListener("click", () => {
    closeAdmin();
    $("admin-open").focus();
  });
  const list = el("div", { className: "admin-tabs", attrs: { role: "tablist", "aria-label": t("admin.title") } });
  const panels = el("div", { className: "admin-panels" });
  const tabs = new Map();
  for (const spec of TABS) {
    const tab = el("button", {
      className: "admin-tab",
      text: spec.label(),
      attrs: {
        type: "button",
        role: "tab",
        id: `admin-tab-${spec.name}`,
        "aria-controls": `admin-panel-${spec.name}`,
        "aria-selected": "false",
        tabindex: "-1",
        "data-testid": `admin-tab-${spec.name}`,
      },
    });
    const panel = el("div", {
      className: "admin-panel",
      attrs: {
        role: "tabpanel",
        id: `admin-panel-${spec.name}`,
        "aria-labelledby": `admin-tab-${spec.name}`,
        tabindex: "0",
        "data-testid": `admin-panel-${spec.name}`,
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
    el("div", { className: "admin-body" }, [list, panels]),
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

/** Shows tab `name` (building its page the first time) and has it load afresh. */
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
    entry.page = entry.spec.build();
    entry.panel.replaceChildren(entry.page.el);
  }
  entry.page.show();
}

function openAdmin() {
  if (!isManager() || view.open) return;
  openingView("admin");
  closeQueueBoard({ restoreView: false });
  closeCalendar({ restoreView: false });
  const p = parts();
  view.open = true;
  storesChanged();
  $("main").dataset.admin = "open";
  p.root.hidden = false;
  $("admin-open").setAttribute("aria-expanded", "true");
  select(view.current || "stores");
  p.title.focus();
}

/** Back to the conversations. */
export function closeAdmin() {
  if (!view.open) return;
  view.open = false;
  delete $("main").dataset.admin;
  parts().root.hidden = true;
  $("admin-open").setAttribute("aria-expanded", "false");
}

/** Once, when the page loads. */
export function wireAdmin() {
  registerView("admin", closeAdmin);
  const entry = $("admin-open");
  entry.addEventListener("click", () => (view.open ? closeAdmin() : openAdmin()));
  // The calendar and the live queue live in the workspace: opening either leaves this view.
  for (const id of ["calendar-open", "queue-board-open"]) $(id).addEventListener("click", () => closeAdmin());
}

/** After sign-in: the entry is for managers and admins only. */
export function setupAdmin() {
  const entry = $("admin-open");
  entry.textContent = t("admin.open");
  entry.hidden = !isManager();
}

/** On sign-out: nothing of the last session's pages is kept (the next person may read
 * another language, or reach other stores). */
export function resetAdmin() {
  closeAdmin();
  $("admin-open").hidden = true;
  forgetAdminData();
  view.current = null;
  if (view.parts) {
    view.parts.root.replaceChildren();
    view.parts = null;
  }
}
