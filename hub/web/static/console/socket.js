/**
 * The live connection (socket.io's /console namespace) and the presence it carries. After
 * every (re)connect the list and the open timeline are fetched again, so nothing missed while
 * the socket was down stays missing.
 */
import { t } from "../shared/i18n.js";
import { onImportDone, onImportProgress } from "./pos-upload.js";
import { backoff, reconnectIfDropped, retryRejected } from "../shared/reconnect.js";
import { onConversationRead, onConversationUpdated } from "./attention.js";
import { onAppointmentEvent, refreshCalendar } from "./calendar-view.js";
import { onCallbackRescheduled } from "./callback-notice.js";
import { loadTimeline } from "./conversation-pane.js";
import { loadConversations } from "./conversations.js";
import { dom } from "./elements.js";
import {
  hideRemoteTyping,
  markClosed,
  onAssigned,
  onMessage,
  onMessageUpdated,
  onRemoteTyping,
} from "./live-events.js";
import { toast } from "./notices.js";
import { onOffer, onOfferRevoked } from "./offers.js";
import { emitPresence, onPresencePushed } from "./presence.js";
import { onAppointmentChanged, onCustomerUpdated, refreshProfile } from "./profile-panel.js";
import { nudgeQueueBoard } from "./queue-board.js";
import { localTyping, resendPending } from "./replies.js";
import { sessionEnded } from "./session.js";
import { state } from "./state.js";
import { onTransferred } from "./transfer.js";

const LABELS = {
  connecting: () => t("connection.connecting"),
  connected: () => t("connection.connected"),
  reconnecting: () => t("connection.reconnecting"),
  offline: () => t("connection.offline"),
};

const delays = backoff();

function setConnection(kind) {
  dom.connection.dataset.state = kind;
  dom.connectionText.textContent = LABELS[kind] ? LABELS[kind]() : kind;
}

export function connectSocket() {
  if (typeof window.io !== "function") {
    setConnection("offline");
    toast(t("connection.noClient"));
    return;
  }
  setConnection("connecting");
  const socket = window.io(`${window.location.origin}/console`, {
    // The session cookie authenticates; the in-memory token is a fallback, read per handshake.
    auth: (cb) => cb(state.token ? { token: state.token } : {}),
    transports: ["websocket"],
  });
  state.socket = socket;
  const guard = (handler) => (...args) => {
    if (state.socket === socket) handler(...args);
  };
  socket.on("connect", guard(onConnect));
  socket.on("disconnect", guard(onDisconnect));
  socket.on("connect_error", guard(onConnectError));
  socket.io.on("reconnect_attempt", guard(() => setConnection("reconnecting")));
  // The live queue (managers) changes with offers, assignments and closings.
  const andBoard = (handler) => (payload) => {
    handler(payload);
    nudgeQueueBoard();
  };
  socket.on("offer", guard(andBoard(onOffer)));
  socket.on("offer_revoked", guard(onOfferRevoked));
  socket.on("assigned", guard(andBoard(onAssigned)));
  socket.on("message", guard(onMessage));
  socket.on("message_updated", guard(onMessageUpdated));
  socket.on("typing", guard(onRemoteTyping));
  socket.on("closed", guard(andBoard((payload) => markClosed(payload && payload.conversation_id))));
  socket.on("presence", guard(onPresencePushed));
  socket.on("transferred", guard(onTransferred));
  // A callback nobody answered leaves us until its next try.
  socket.on("callback_rescheduled", guard(andBoard(onCallbackRescheduled)));
  socket.on("customer_updated", guard(onCustomerUpdated));
  // A colleague tagged a conversation; another tab of ours read one (console/attention.js).
  socket.on("conversation_updated", guard(onConversationUpdated));
  socket.on("conversation_read", guard(onConversationRead));
  socket.on("import_progress", guard(onImportProgress));
  socket.on("import_done", guard(onImportDone));
  // Deactivated (or signed out elsewhere): the hub also cuts the socket; say why at once.
  socket.on("session_ended", guard(() => sessionEnded()));
  // One of our appointments was booked, moved or cancelled: the calendar and the profile shown.
  socket.on(
    "appointment",
    guard((payload) => {
      onAppointmentEvent(payload);
      onAppointmentChanged(payload);
    }),
  );
}

/** Drops the socket without reacting to its own disconnect (handlers check state.socket). */
export function disconnectSocket() {
  const socket = state.socket;
  if (!socket) return;
  state.socket = null;
  socket.off();
  socket.io.off();
  socket.disconnect();
}

function onConnect() {
  delays.reset();
  setConnection("connected");
  emitPresence(dom.presence.value);
  refreshAll();
  resendPending();
}

function onDisconnect(reason) {
  setConnection("reconnecting");
  localTyping.forget();
  hideRemoteTyping();
  // If the session was revoked, the retry fails with "unauthorized" and sends us to the login.
  reconnectIfDropped(state.socket, reason);
}

function onConnectError(err) {
  if (err && err.message === "unauthorized") {
    sessionEnded();
    return;
  }
  setConnection("reconnecting");
  const socket = state.socket;
  retryRejected(socket, delays, () => state.socket === socket);
}

/** Emit only while connected: socket.io would otherwise buffer and replay stale actions. */
export function emitNow(event, payload, ack) {
  const socket = state.socket;
  if (!socket || !socket.connected) return false;
  if (ack) socket.emit(event, payload, ack);
  else socket.emit(event, payload);
  return true;
}

export function isConnected() {
  return Boolean(state.socket && state.socket.connected);
}

/** After a (re)connect: the list, the open timeline and the profile may have changed meanwhile. */
function refreshAll() {
  loadConversations();
  if (state.selectedId) loadTimeline(state.selectedId);
  refreshProfile();
  refreshCalendar();
}
