/**
 * A full-width console view with tabs (Administration, My clients): a header with a title and
 * a Close button, then an ARIA tablist whose arrow keys, Home and End move between tabs. Each
 * tab's page is built the first time it is shown and asked to load afresh each time it is shown
 * again (`page.show()`), so a list never goes stale while the view was closed. Opening the view
 * closes the other views (console/views.js) and the workspace's boards.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { closeCalendar } from "./calendar-view.js";
import { closeQueueBoard } from "./queue-board.js";
import { openingView, registerView } from "./views.js";

const $ = (id) => document.getElementById(id);

/**
 * `name` names the view ("admin" → #admin-view, #admin-open, main[data-admin="open"], test ids
 * admin-tab-…/admin-panel-…, texts admin.title/subtitle/close/open); `tabs` are
 * `{name, label: () => text, build: (context) => ({el, show})}`; `context` is handed to every
 * build; `allowed()` says whether the signed-in person may open it; `onOpen()` runs each time it
 * opens, before the tab loads.
 */
export function tabbedView({ name, tabs, context = undefined, allowed = () => true, onOpen = () => {} }) {
  const ids = { root: `${name}-view`, entry: `${name}-open`, title: `${name}-title` };
  const view = { open: false, parts: null, current: null };

  function parts() {
    if (view.parts) return view.parts;
    const root = $(ids.root);
    root.setAttribute("aria-labelledby", ids.title);
    const title = el("h2", { text: t(`${name}.title`), attrs: { id: ids.title, tabindex: "-1" } });
    const sub = el("p", { className: "board-sub", text: t(`${name}.subtitle`) });
    const close = button(t(`${name}.close`), "button button-quiet", `${name}-close`);
    close.addEventListener("click", () => {
      closeView();
      $(ids.entry).focus();
    });
    const list = el("div", { className: "view-tabs", attrs: { role: "tablist", "aria-label": t(`${name}.title`) } });
    const panels = el("div", { className: "view-panels" });
    const entries = new Map();
    for (const spec of tabs) {
      const tab = el("button", {
        className: "view-tab",
        text: spec.label(),
        attrs: {
          type: "button",
          role: "tab",
          id: `${name}-tab-${spec.name}`,
          "aria-controls": `${name}-panel-${spec.name}`,
          "aria-selected": "false",
          tabindex: "-1",
          "data-testid": `${name}-tab-${spec.name}`,
        },
      });
      const panel = el("div", {
        className: "view-panel",
        attrs: {
          role: "tabpanel",
          id: `${name}-panel-${spec.name}`,
          "aria-labelledby": `${name}-tab-${spec.name}`,
          tabindex: "0",
          "data-testid": `${name}-panel-${spec.name}`,
        },
      });
      panel.hidden = true;
      tab.addEventListener("click", () => select(spec.name));
      tab.addEventListener("keydown", onTabKey);
      list.append(tab);
      panels.append(panel);
      entries.set(spec.name, { spec, tab, panel, page: null });
    }
    root.replaceChildren(
      el("header", { className: "board-header" }, [el("div", { className: "board-title" }, [title, sub]), close]),
      el("div", { className: "view-body" }, [list, panels]),
    );
    view.parts = { root, title, entries };
    return view.parts;
  }

  function onTabKey(event) {
    const names = tabs.map((spec) => spec.name);
    const at = names.indexOf(view.current);
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: names.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = names[(moves[event.key] + names.length) % names.length];
    select(next);
    parts().entries.get(next).tab.focus();
  }

  /** Shows tab `tab` (building its page the first time) and has it load afresh. */
  function select(tab) {
    const { entries } = parts();
    view.current = tab;
    for (const [other, entry] of entries) {
      const chosen = other === tab;
      entry.tab.setAttribute("aria-selected", String(chosen));
      entry.tab.tabIndex = chosen ? 0 : -1;
      entry.panel.hidden = !chosen;
    }
    const entry = entries.get(tab);
    if (!entry.page) {
      entry.page = entry.spec.build(context);
      entry.panel.replaceChildren(entry.page.el);
    }
    entry.page.show();
  }

  /** Opens the view on `tab`, else where it was left, else on the first tab. */
  function openView(tab) {
    if (!allowed()) return;
    if (!view.open) {
      openingView(name);
      closeQueueBoard({ restoreView: false });
      closeCalendar({ restoreView: false });
      view.open = true;
      onOpen();
      $("main").dataset[name] = "open";
      parts().root.hidden = false;
      $(ids.entry).setAttribute("aria-expanded", "true");
    }
    select(tab || view.current || tabs[0].name);
    parts().title.focus();
  }

  function closeView() {
    if (!view.open) return;
    view.open = false;
    delete $("main").dataset[name];
    parts().root.hidden = true;
    $(ids.entry).setAttribute("aria-expanded", "false");
  }

  return {
    open: openView,
    close: closeView,
    /** The tab on screen loads afresh (after a change made elsewhere, e.g. a dialog). */
    refresh() {
      if (view.open && view.current) parts().entries.get(view.current).page?.show();
    },
    /** Once, when the page loads. */
    wire() {
      registerView(name, closeView);
      $(ids.entry).addEventListener("click", () => (view.open ? closeView() : openView()));
      // The calendar and the live queue live in the workspace: opening either leaves this view.
      for (const id of ["calendar-open", "queue-board-open"]) $(id).addEventListener("click", () => closeView());
    },
    /** After sign-in: the header entry, in the reader's language, for those allowed. */
    setup() {
      const entry = $(ids.entry);
      entry.textContent = t(`${name}.open`);
      entry.hidden = !allowed();
    },
    /** On sign-out: nothing of the last session's pages is kept (the next person may read
     * another language, or reach other stores). */
    reset() {
      closeView();
      $(ids.entry).hidden = true;
      view.current = null;
      if (view.parts) {
        view.parts.root.replaceChildren();
        view.parts = null;
      }
    },
  };
}
