/** The panel opening and closing, the status line under its header, and the unread badge. */
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
  ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
  ui.launcher.classList.toggle("cw-has-unread", state.unread > 0);
  ui.unreadText.textContent = state.unread ? ` (${state.unread} unread)` : "";
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
  if (state.conn === "connecting") return "Connecting\u2026";
  if (state.conn === "reconnecting") return "Reconnecting\u2026";
  if (state.conn === "failed") return "Chat is unavailable at the moment. Please try again shortly.";
  const s = state.status;
  if (s.kind === "queue" && s.offline) return "The boutique team is not available right now.";
  if (s.kind === "queue") return `You are number ${s.position} in line`;
  if (s.kind === "assigned") return `${s.name || "An ambassador"} is with you`;
  if (s.kind === "closed") return "Conversation closed";
  return "Write to us and a boutique ambassador will reply here.";
}

export function renderStatus() {
  const text = statusText();
  if (ui.status.textContent !== text) ui.status.textContent = text;
  ui.status.dataset.state = state.conn === "connected" ? state.status.kind : state.conn;
  const s = state.status;
  const showEta = state.conn === "connected" && s.kind === "queue" && !s.offline && s.eta > 0;
  ui.eta.hidden = !showEta;
  if (showEta) ui.eta.textContent = `Estimated wait: about ${Math.max(1, Math.round(s.eta / 60))} min`;
  renderOffline();
}
