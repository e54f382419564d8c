/**
 * When the boutique team is not available (the store is closed, or nobody is on duty), the
 * hub's "queue" event says so ({offline: true, options}). The shopper then sees the ways
 * forward: leave a message (the conversation stays in the queue and is answered later),
 * request a callback (a form in the panel, widget/callback.js), or book an appointment.
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { openCallbackForm } from "./callback.js";
import { config } from "./config.js";
import { state } from "./state.js";
import { ui } from "./ui.js";

/** The hub's booking page for this store, in the widget's language. */
function bookingUrl() {
  const url = new URL(`${config.hubBase}/book`);
  if (config.store) url.searchParams.set("store", config.store);
  url.searchParams.set("lang", config.language);
  return url.href;
}

const LINKS = {
  appointment: { label: () => t("widget.offline.book"), href: bookingUrl },
};

const BUTTONS = ["leave_message", "callback"];
const known = (option) => BUTTONS.includes(option) || Object.prototype.hasOwnProperty.call(LINKS, option);

function optionControl(option) {
  const testid = `chat-option-${option}`;
  if (option === "leave_message") {
    const button = el("button", {
      className: "cw-option",
      text: t("widget.offline.leaveMessage"),
      attrs: { type: "button", "data-testid": testid },
    });
    button.addEventListener("click", () => {
      showText(ui.offlineHint, t("widget.offline.leaveHint"));
      ui.input.focus();
    });
    return button;
  }
  if (option === "callback") {
    const button = el("button", {
      className: "cw-option",
      text: t("callback.title"),
      attrs: { type: "button", "data-testid": testid },
    });
    button.addEventListener("click", () => {
      showText(ui.offlineHint, "");
      openCallbackForm(button);
    });
    return button;
  }
  const link = LINKS[option];
  return el("a", {
    className: "cw-option",
    text: link.label(),
    attrs: { href: link.href(), target: "_blank", rel: "noopener", "data-testid": testid },
  });
}

/** Builds the (hidden) options group under the status line; main.js calls it once. */
export function attachOfflineOptions() {
  const list = el("div", { className: "cw-options" });
  const hint = el("p", { className: "cw-offline-hint", attrs: { role: "status" } });
  hint.hidden = true;
  const group = el(
    "div",
    { className: "cw-offline", attrs: { "data-testid": "chat-offline", role: "group", "aria-label": t("widget.offline.group") } },
    [list, hint],
  );
  group.hidden = true;
  ui.stateBox.appendChild(group);
  Object.assign(ui, { offline: group, offlineOptions: list, offlineHint: hint });
}

/** Follows the status: shown while queued with the team unavailable, hidden otherwise. */
export function renderOffline() {
  if (!ui.offline) return;
  const s = state.status;
  const offline = state.conn === "connected" && s.kind === "queue" && s.offline === true;
  const options = offline && Array.isArray(s.options) ? s.options.filter(known) : [];
  const signature = options.join(" ");
  if (ui.offline.dataset.options !== signature) {
    ui.offline.dataset.options = signature;
    ui.offlineOptions.replaceChildren(...options.map(optionControl));
  }
  if (!options.length) showText(ui.offlineHint, "");
  ui.offline.hidden = options.length === 0;
}
