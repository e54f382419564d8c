/**
 * The conversation as the shopper sees it: confirmed messages ordered by conversation, then
 * seq; then what is still being sent, in the order it was written. Entries are found by
 * message id (state.byId) or, until acknowledged, by client_id (state.byClientId).
 */
import { isNearBottom, orderedList, scrollToBottom } from "../shared/message-list.js";
import { t } from "../shared/i18n.js";
import { messageRows } from "../shared/message-row.js";
import { forgetFiles, showFiles } from "./attachments.js";
import { formatClock } from "../shared/time.js";
import { feedbackOf, feedbackText, showFeedback } from "./feedback.js";
import { setStatus } from "./panel.js";
import { proposalLead, proposalOf, showProposal } from "./proposal.js";
import { state } from "./state.js";
import { readOutbox, removeFromOutbox } from "./storage.js";
import { ui } from "./ui.js";

const rows = messageRows({ prefix: "cw", testid: "chat-message", errorClass: "cw-error", errorTestid: "chat-error" });
let list = null; // over ui.messages, once built

export function attachMessageList() {
  list = orderedList(ui.messages);
}

export function scrollMessages(force) {
  scrollToBottom(ui.messages, force);
}

function conversationIndex(conversationId) {
  const key = conversationId || "";
  if (!state.conversationOrder.has(key)) state.conversationOrder.set(key, state.conversationOrder.size);
  return state.conversationOrder.get(key);
}

function fillConfirmed(entry, message) {
  const kind = message.author && message.author.kind ? message.author.kind : "system";
  const proposal = kind === "ambassador" ? proposalOf(message) : null; // times to book (proposal.js)
  const feedback = kind === "system" ? feedbackOf(message) : null; // a rating question (feedback.js)
  rows.fill(entry, {
    kind,
    name: kind === "ambassador" ? message.author.name : "",
    text: proposal ? proposalLead(message.text) : feedback ? feedbackText(feedback) : message.text,
    seq: message.seq,
    status: "sent",
    meta: formatClock(message.created_at),
  });
  if (proposal) showProposal(entry, message, proposal);
  if (feedback) showFeedback(entry, feedback);
  if (message.data) showFiles(entry, message.data.attachments);
  entry.key = [0, conversationIndex(message.conversation_id), Number(message.seq) || 0];
}

function fillPending(entry, item) {
  rows.fill(entry, { kind: "customer", text: item.text, status: "sending", meta: t("common.sending") });
  showFiles(entry, item.attachments);
  entry.key = [1, item.created_ms || Date.now()];
}

export function showFailure(entry, message) {
  entry.bubble.dataset.status = "failed";
  entry.meta.textContent = t("widget.notSent");
  rows.setError(entry, message);
}

/** Track the newest conversation and the highest seq seen in it (for history after_seq). */
function noteSeq(conversationId, seq) {
  if (!conversationId || typeof seq !== "number") return;
  const current = state.currentConversation;
  if (!current || (conversationId !== current && conversationIndex(conversationId) > conversationIndex(current))) {
    state.currentConversation = conversationId;
    state.lastSeq = seq;
  } else if (conversationId === current && seq > state.lastSeq) {
    state.lastSeq = seq;
  }
}

/** Adds or updates a confirmed message; returns true when it was not shown before. */
export function upsertMessage(message) {
  if (!message || !message.id) return false;
  const nearBottom = isNearBottom(ui.messages);
  let entry = state.byId.get(message.id);
  const isNew = !entry;
  if (!entry && message.client_id && state.byClientId.has(message.client_id)) {
    // Defensive: if the hub echoes our client_id, turn the "sending" bubble into this one.
    entry = state.byClientId.get(message.client_id);
    state.byClientId.delete(message.client_id);
    removeFromOutbox(message.client_id);
  }
  if (!entry) entry = rows.create("system");
  fillConfirmed(entry, message);
  state.byId.set(message.id, entry);
  list.place(entry);
  noteSeq(message.conversation_id, message.seq);
  scrollMessages(nearBottom);
  return isNew;
}

/** Shows a message of ours that the hub has not acknowledged yet. */
export function showPending(item) {
  let entry = state.byClientId.get(item.client_id);
  if (!entry) {
    entry = rows.create("customer");
    state.byClientId.set(item.client_id, entry);
  }
  fillPending(entry, item);
  list.place(entry);
  scrollMessages(true);
}

/** Takes back a message of ours that the hub refused to store (it returns to the composer). */
export function dropPending(clientId) {
  const entry = state.byClientId.get(clientId);
  if (!entry) return;
  state.byClientId.delete(clientId);
  list.remove(entry);
}

/** The hub acknowledged a message of ours: its bubble becomes the confirmed message. */
export function confirmPending(entry, message) {
  if (state.byId.has(message.id)) {
    // The broadcast copy arrived before the ack: keep that one, drop the placeholder.
    list.remove(entry);
  } else {
    fillConfirmed(entry, message);
    state.byId.set(message.id, entry);
    list.place(entry);
  }
  noteSeq(message.conversation_id, message.seq);
}

/** Forget everything shown (the visitor identity changed, so it belongs to someone else). */
export function clearConversation() {
  list.clear();
  forgetFiles();
  state.byId.clear();
  state.conversationOrder.clear();
  state.byClientId.clear();
  state.currentConversation = null;
  state.lastSeq = 0;
  for (const item of readOutbox()) showPending(item);
  setStatus({ kind: "idle" });
}
