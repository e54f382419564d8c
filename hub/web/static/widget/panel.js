/** The panel opening and closing, the status line under its header, and the unread badge. */
import { formatNumber, t } from "../shared/i18n.js";
import { localTyping } from "./composer.js";
import { ensureConnected } from "./connection.js";
import { requestHistory } from "./incoming.js";
import { scrollMessages } from "./messages.js";
import { renderOffline } from "./offline.js";
import { state } from "./state.js";
import { ui } from "./ui.js";

export function openPanel() {
  state.open = true;
  ui.panel.hidden = false;
  ui.root.classList.add("cw-is-open");
  ui.launcher.setAttribute("aria-expanded", "true");
  state.unread = 0;
  renderBadge();
  renderStatus();
  scrollMessages(true);
  ui.input.focus();
  // Opening (re)loads history: connect if needed, otherwise ask for anything missed.
  if (state.socket && state.socket.connected) requestHistory();
  else ensureConnected();
}

export function closePanel() {
  state.open = false;
  ui.panel.hidden = true;
  ui.root.classList.remove("cw-is-open");
  ui.launcher.setAttribute("aria-expanded", "false");
  localTyping.stop();
}

/** A message arrived while the panel was closed. */
export function countUnread() {
  state.unread += 1;
  renderBadge();
}

function renderBadge() {
  ui.badge.hidden = state.unread === 0;
  ui.badge.textContent = state.unread > 9 ? `${formatNumber(9)}+` : formatNumber(state.unread);
  ui.launcher.classList.toggle("cw-has-unread", state.unread > 0);
  ui.unreadText.textContent = state.unread ? ` ${t("widget.unread", { count: state.unread })}` : "";
}

/** The connection: idle | connecting | connected | reconnecting | failed. */
export function setConn(conn) {
  state.conn = conn;
  ui.root.dataset.connection = conn;
  renderStatus();
}

/**
 * The conversation: {kind: "idle" | "queue" (position, eta, offline, options) | "assigned"
 * (name) | "closed"}.
 */
export function setStatus(status) {
  state.status = status;
  renderStatus();
}

function statusText() {
  if (state.conn === "connecting") return t("widget.status.connecting");
  if (state.conn === "reconnecting") return t("widget.status.reconnecting");
  if (state.conn === "failed") return t("widget.status.failed");
  const s = state.status;
  if (s.kind === "queue" && s.offline) return t("widget.status.offline");
  if (s.kind === "queue") return t("widget.status.queue", { position: formatNumber(Number(s.position) || 1) });
  if (s.kind === "assigned") return s.name ? t("widget.status.assigned", { name: s.name }) : t("widget.status.anyone");
  if (s.kind === "closed") return t("widget.status.closed");
  return t("widget.status.idle");
}

export function renderStatus() {
  const text = statusText();
  if (ui.status.textContent !== text) ui.status.textContent = text;
  ui.status.dataset.state = state.conn === "connected" ? state.status.kind : state.conn;
  const s = state.status;
  const showEta = state.conn === "connected" && s.kind === "queue" && !s.offline && s.eta > 0;
  ui.eta.hidden = !showEta;
  if (showEta) ui.eta.textContent = t("widget.eta", { count: Math.max(1, Math.round(s.eta / 60)) });
  renderOffline();
}
