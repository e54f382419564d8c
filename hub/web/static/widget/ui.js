/**
 * The widget's elements, built once. Everything lives under one root, #concierge-widget, and
 * every CSS class starts with "cw-" so the shop's own styles do not leak in (or out).
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { config } from "./config.js";

/** Filled by buildUi(): root, launcher, badge, unreadText, panel, closeButton, stateBox, status,
 * eta, messages, typing, form, input, send (offline.js adds its options group, and about-you.js
 * its form: aboutYou, aboutToggle, aboutSkip, aboutBody). */
export const ui = {};

function buildLauncher() {
  const badge = el("span", { className: "cw-badge", attrs: { "aria-hidden": "true" } });
  badge.hidden = true;
  const unreadText = el("span", { className: "cw-sr-only" });
  const launcher = el(
    "button",
    {
      className: "cw-launcher",
      attrs: {
        type: "button",
        "data-testid": "chat-open",
        "aria-expanded": "false",
        "aria-controls": "cw-panel",
      },
    },
    [
      el("span", { className: "cw-launcher-icon", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "cw-launcher-label", text: t("widget.launcher") }),
      unreadText,
      badge,
    ],
  );
  return { launcher, badge, unreadText };
}

function buildComposer() {
  const input = el("textarea", {
    className: "cw-input",
    attrs: {
      id: "cw-input",
      rows: "1",
      "data-testid": "chat-input",
      placeholder: t("widget.placeholder"),
      autocomplete: "off",
    },
  });
  const label = el("label", {
    className: "cw-sr-only",
    text: t("widget.inputLabel"),
    attrs: { for: "cw-input" },
  });
  const send = el("button", { className: "cw-send", text: t("widget.send"), attrs: { type: "submit", "data-testid": "chat-send" } });
  const form = el("form", { className: "cw-composer", attrs: { novalidate: "" } }, [label, input, send]);
  return { form, input, send };
}

function buildPanel(composer) {
  const title = el("h2", { className: "cw-title", text: t("widget.title"), attrs: { id: "cw-title" } });
  const closeButton = el("button", {
    className: "cw-close",
    text: "\u00d7",
    attrs: { type: "button", "aria-label": t("widget.close") },
  });
  const status = el("p", {
    className: "cw-status",
    attrs: { "data-testid": "chat-status", role: "status", "aria-live": "polite" },
  });
  const eta = el("p", { className: "cw-eta" });
  eta.hidden = true;
  const messages = el("ol", {
    className: "cw-messages",
    attrs: { role: "log", "aria-live": "polite", "aria-label": t("widget.conversation"), tabindex: "0" },
  });
  const typing = el("p", { className: "cw-typing", attrs: { "data-testid": "chat-typing", "aria-live": "polite" } });
  typing.hidden = true;
  const stateBox = el("div", { className: "cw-state" }, [status, eta]);
  const panel = el("section", { className: "cw-panel", attrs: { id: "cw-panel", "aria-labelledby": "cw-title" } }, [
    el("header", { className: "cw-header" }, [
      el("div", { className: "cw-heading" }, [el("p", { className: "cw-kicker", text: t("common.brand") }), title]),
      closeButton,
    ]),
    stateBox,
    messages,
    typing,
    composer.form,
  ]);
  panel.hidden = true;
  return { panel, closeButton, stateBox, status, eta, messages, typing };
}

/** The shop page's corner for the launcher: bottom right, bottom left on a right-to-left page. */
function pageCorner() {
  const page = document.body || document.documentElement;
  return window.getComputedStyle(page).direction === "rtl" ? "left" : "right";
}

export function buildUi() {
  const root = el("div", { className: "cw-root", attrs: { id: "concierge-widget", "data-corner": pageCorner() } });
  // Stay invisible until widget.css arrives, so the shop never sees unstyled controls.
  root.hidden = true;
  const launcher = buildLauncher();
  const composer = buildComposer();
  const panel = buildPanel(composer);
  root.append(panel.panel, launcher.launcher);
  document.body.appendChild(root);
  Object.assign(ui, { root }, launcher, panel, composer);
}

export function loadStylesheet() {
  const href = `${config.staticBase}widget.css`;
  const reveal = () => {
    ui.root.hidden = false;
  };
  if (Array.from(document.querySelectorAll("link[rel=stylesheet]")).some((l) => l.href === href)) {
    reveal();
    return;
  }
  const link = el("link", { attrs: { rel: "stylesheet", href } });
  link.addEventListener("load", reveal);
  link.addEventListener("error", reveal); // unstyled beats invisible
  setTimeout(reveal, 4000);
  document.head.appendChild(link);
}

/** The message field grows with its text, up to 160px. */
export function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
}
