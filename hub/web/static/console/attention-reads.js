/**
 * Unread counts: the hub keeps, per ambassador and conversation, how far they have read
 * (the socket's `read` event, which never moves back), and every list and timeline load
 * says how many customer messages came after. A conversation counts as read only while it
 * is open and the tab is in front; messages arriving meanwhile raise its count.
 */
import { el } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { updateTitle } from "./attention-alerts.js";
import { renderConversationList } from "./conversations.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";
import { highestSeq } from "./timeline.js";

// conversation id -> the highest seq this page told the hub it has read.
const sent = new Map();
// conversation id -> the newest customer message shown on screen as it arrived.
const owed = new Map();

const visible = () => document.visibilityState !== "hidden" && document.hidden !== true;

/** The badge of a list item, or null when nothing is unread. */
export function unreadBadge(conversation) {
  const count = Number(conversation && conversation.unread) || 0;
  if (count <= 0) return null;
  return el("span", { className: "unread-count", attrs: { "data-testid": "unread-count" } }, [
    el("span", { text: count > 99 ? `${formatNumber(99)}+` : formatNumber(count), attrs: { "aria-hidden": "true" } }),
    el("span", { className: "sr-only", text: t("attention.unread", { count }) }),
  ]);
}

/**
 * A customer message arrived for `conversation` (call before its last_seq moves): unread
 * unless it is on screen now. The count the hub last gave covers every message up to the
 * last_seq it came with, so a message at or below it is counted already.
 */
export function countIncoming(conversation, message) {
  if (!conversation || !message) return;
  const seq = Number(message.seq) || 0;
  if (conversation.id === state.selectedId && visible()) {
    owed.set(conversation.id, Math.max(owed.get(conversation.id) || 0, seq));
    return;
  }
  if (seq && seq <= (Number(conversation.last_seq) || 0)) return;
  conversation.unread = (Number(conversation.unread) || 0) + 1;
}

/**
 * The open conversation in a background tab: its count is exactly the customer messages of
 * its timeline after what this page said it read (the hub's own answer may predate that).
 */
function recountSelected(conversation) {
  if (!state.timelineLoaded) return;
  const read = sent.get(conversation.id) || 0;
  let unread = 0;
  for (const message of state.messages.values()) {
    if (message.author && message.author.kind === "customer" && message.seq > read) unread += 1;
  }
  if (unread === (Number(conversation.unread) || 0)) return;
  conversation.unread = unread;
  renderConversationList();
}

/** The open conversation is on screen: tell the hub how far, and clear its badge. */
export function readSelected() {
  const id = state.selectedId;
  const conversation = id && state.conversations.get(id);
  if (!conversation) return;
  if (!visible()) {
    recountSelected(conversation);
    return;
  }
  const seq = Math.max(Number(conversation.last_seq) || 0, state.timelineLoaded ? highestSeq() : 0);
  const hadUnread = (Number(conversation.unread) || 0) > 0;
  conversation.unread = 0;
  if (hadUnread) renderConversationList();
  updateTitle();
  // Only what changes a count is worth a write: unread messages, a first look, or a
  // customer message that arrived on screen (our own replies never count).
  const needed = hadUnread || !sent.has(id) || (owed.get(id) || 0) > (sent.get(id) || 0);
  if (!needed || seq <= 0 || seq <= (sent.get(id) || 0)) return;
  const asked = emitNow("read", { conversation_id: id, seq }, (ack) => {
    if (!ack || ack.error) {
      if (sent.get(id) === seq) sent.delete(id); // try again on the next occasion
      return;
    }
    applyReadMark(ack);
  });
  if (asked) sent.set(id, seq);
}

/** The hub's answer, or another tab of ours that read: the count it now has. */
export function applyReadMark(mark) {
  if (!mark || !mark.conversation_id) return;
  const previous = sent.get(mark.conversation_id) || 0;
  if (mark.last_read_seq > previous) sent.set(mark.conversation_id, mark.last_read_seq);
  const conversation = state.conversations.get(mark.conversation_id);
  if (!conversation) return;
  if (mark.conversation_id === state.selectedId) {
    readSelected(); // on screen it stays read; in the background its timeline counts
    return;
  }
  const unread = Math.max(0, Number(mark.unread) || 0);
  if (unread === conversation.unread) return;
  conversation.unread = unread;
  renderConversationList();
  updateTitle();
}

export function wireReads() {
  document.addEventListener("visibilitychange", readSelected);
  window.addEventListener("focus", readSelected);
}

export function resetReads() {
  sent.clear();
  owed.clear();
}
