/** What the hub sends the shopper: history on request, live messages, and typing. */
import { t } from "../shared/i18n.js";
import { typingIndicator } from "../shared/typing.js";
import { noteConversation } from "./about-you.js";
import { feedbackOf } from "./feedback.js";
import { upsertMessage } from "./messages.js";
import { countUnread, setStatus } from "./panel.js";
import { state } from "./state.js";
import { ui } from "./ui.js";

let remoteTyping = null; // over ui.typing, once built

export function attachTypingIndicator() {
  remoteTyping = typingIndicator(ui.typing);
}

/**
 * Ask for everything after the last seq we hold (or everything). afterSeq overrides that,
 * e.g. to fill a gap spotted in the live stream.
 */
export function requestHistory(afterSeq) {
  const socket = state.socket;
  if (!socket || !socket.connected) return;
  const after = afterSeq !== undefined ? afterSeq : state.lastSeq;
  const askedAbout = state.currentConversation;
  const payload = askedAbout && after > 0 ? { after_seq: after } : {};
  socket.emit("history", payload, (ack) => {
    if (!ack || ack.error || !Array.isArray(ack.messages)) return;
    if (payload.after_seq !== undefined && ack.conversation_id && ack.conversation_id !== askedAbout) {
      // after_seq referred to an older conversation; fetch the current one in full.
      state.currentConversation = null;
      state.lastSeq = 0;
      requestHistory(0);
      return;
    }
    ack.messages.slice().sort((a, b) => a.seq - b.seq).forEach(upsertMessage);
    noteConversation(ack.conversation_id, ack.status);
  });
}

export function onLiveMessage(message) {
  if (!message || !message.id) return;
  const previous = state.lastSeq;
  const gap = message.conversation_id === state.currentConversation && message.seq > previous + 1;
  const kind = message.author ? message.author.kind : "system";
  const isNew = upsertMessage(message);
  if (gap) requestHistory(previous);
  if (!isNew) return;
  // e.g. our other tab started one; a rating question comes after the close, it opens nothing
  if (!feedbackOf(message)) noteConversation(message.conversation_id, "open");
  if (kind === "ambassador") {
    hideRemoteTyping();
    // A reply means someone is with us even if the "assigned" event was missed.
    if (state.status.kind === "idle" || state.status.kind === "queue") {
      setStatus({ kind: "assigned", name: message.author.name });
    }
  }
  if (kind !== "customer" && !state.open) countUnread();
}

export function showRemoteTyping(payload) {
  const author = (payload && payload.author) || {};
  if (author.kind === "customer") return; // our own other tab
  if (!payload.typing) {
    hideRemoteTyping();
    return;
  }
  remoteTyping.show(author.name || t("widget.yourAmbassador"));
}

export function hideRemoteTyping() {
  remoteTyping.hide();
}
