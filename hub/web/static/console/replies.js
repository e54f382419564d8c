/**
 * Our replies and our typing. A reply shows at once as pending and is emitted with a
 * client_id; replies never acknowledged are sent again with the same client_id after a
 * reconnect, and the hub stores each client_id once.
 */
import { t } from "../shared/i18n.js";
import { newClientId } from "../shared/ids.js";
import { typingSignal } from "../shared/typing.js";
import { repliesAllowed } from "./composer-gate.js";
import { noteMode, sendNote } from "./conversation-notes.js";
import { initialDelivery } from "./delivery-state.js";
import { dom } from "./elements.js";
import { onMessage } from "./live-events.js";
import { toast } from "./notices.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";
import { addTimelineMessage, dropPendingEntry, renderPending, settlePendingEntry } from "./timeline.js";
import { noteRefusal } from "./wechat-window-panel.js";

/** Our typing in the open conversation, told to the customer. */
export const localTyping = typingSignal((active, conversationId) =>
  emitNow("typing", { conversation_id: conversationId, typing: active }),
);

export function sendReply() {
  if (noteMode()) {
    sendNote(showNote); // the "Note" toggle is on: a note for colleagues instead
    return;
  }
  const text = dom.replyInput.value;
  const conversationId = state.selectedId;
  if (text === "" || !conversationId || !repliesAllowed()) return;
  queueReply({ conversation_id: conversationId, text });
}

/** Files uploaded by reply-attachments.js leave with whatever is typed (or no text at all). */
export function sendFiles(conversationId, attachments) {
  const typed = conversationId === state.selectedId ? dom.replyInput.value : "";
  queueReply({ conversation_id: conversationId, text: typed.trim() ? typed : "", attachments });
}

function queueReply(fields) {
  const conversationId = fields.conversation_id;
  const item = { ...fields, client_id: newClientId(), status: "sending", error: "", created_ms: Date.now() };
  state.pending.set(item.client_id, item);
  renderPending(item);
  if (conversationId === state.selectedId) dom.replyInput.value = "";
  state.drafts.delete(conversationId);
  localTyping.stop();
  emitReply(item); // if offline, resendPending() sends it on connect
}

function emitReply(item) {
  const payload = { conversation_id: item.conversation_id, client_id: item.client_id, text: item.text };
  if (item.attachments) payload.attachments = item.attachments.map((a) => a.id);
  emitNow("reply", payload, (ack) => onReplyAck(item, ack));
}

function onReplyAck(item, ack) {
  if (!state.pending.has(item.client_id)) return; // already settled (duplicate ack)
  if (ack && ack.error && noteRefusal(item.conversation_id, ack.error)) {
    withdrawRefused(item, ack.error);
    return;
  }
  if (!ack || ack.error || !ack.id) {
    item.status = "failed";
    item.error = (ack && ack.error && ack.error.message) || t("reply.failed");
    renderPending(item);
    return;
  }
  state.pending.delete(item.client_id);
  const conversation = state.conversations.get(item.conversation_id);
  const channel = conversation && conversation.channel;
  const message = {
    id: ack.id,
    conversation_id: item.conversation_id,
    seq: ack.seq,
    channel,
    created_at: ack.created_at,
    author: { kind: "ambassador", name: state.staff && state.staff.name },
    text: item.text,
    delivery: initialDelivery(channel), // the job's answer comes as message_updated
  };
  if (item.attachments) message.data = { attachments: item.attachments.map((a) => ({ ...a, status: "ready" })) };
  settlePendingEntry(item, message);
  onMessage(message); // updates the list preview (and is a no-op for the timeline now)
}

/** A note the hub stored: in the timeline, and the list's preview. */
function showNote(message) {
  addTimelineMessage(message);
  onMessage(message);
}

/**
 * The channel will not take a reply now (WeChat's window closed, or the client unfollowed):
 * nothing was stored, so the bubble goes and the text returns to the composer, untouched.
 */
function withdrawRefused(item, error) {
  state.pending.delete(item.client_id);
  dropPendingEntry(item.client_id);
  const join = (typed) => (typed ? `${item.text}\n${typed}` : item.text);
  if (item.conversation_id === state.selectedId) {
    dom.replyInput.value = join(dom.replyInput.value);
  } else {
    state.drafts.set(item.conversation_id, join(state.drafts.get(item.conversation_id)));
    toast(error.message || t("reply.refused"));
  }
}

/** After a (re)connect: everything still "sending" goes out again. */
export function resendPending() {
  for (const item of state.pending.values()) {
    if (item.status !== "sending") continue;
    renderPending(item); // "Waiting for connection" becomes "Sending"
    emitReply(item);
  }
}

export function onLocalTyping() {
  if (!state.selectedId) return;
  localTyping.input(state.selectedId, dom.replyInput.value);
}
