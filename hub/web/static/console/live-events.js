/** What the hub pushes over the socket: messages, assignments, closings and typing. */
import { t } from "../shared/i18n.js";
import { typingIndicator } from "../shared/typing.js";
import { countIncoming, readSelected } from "./attention.js";
import { refreshCallCard } from "./call-card.js";
import { loadTimeline, showConversation, showConversationError } from "./conversation-pane.js";
import { renderConversationList, scheduleListRefresh, upsertConversation } from "./conversations.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { announce, toast } from "./notices.js";
import { localTyping } from "./replies.js";
import { state } from "./state.js";
import { addTimelineMessage, highestSeq } from "./timeline.js";
import { noteClientMessage } from "./wechat-window-panel.js";

const remoteTyping = typingIndicator(dom.typing, (name) => t("timeline.typing", { name }));

export function onMessage(message) {
  if (!message || !message.id) return;
  const conversation = state.conversations.get(message.conversation_id);
  const kind = message.author ? message.author.kind : "system";
  const isSelected = message.conversation_id === state.selectedId;
  if (conversation) {
    if (kind === "customer") countIncoming(conversation, message); // unless it is on screen
    if (!conversation.last_seq || message.seq >= conversation.last_seq) {
      conversation.last_message = { text: message.text, created_at: message.created_at, author: message.author };
      conversation.last_seq = message.seq;
      conversation.updated_at = message.created_at || conversation.updated_at;
    }
    if (!isSelected && kind === "customer") {
      announce(t("live.newMessage", { name: customerName(conversation.customer) }));
    }
    renderConversationList();
  } else {
    scheduleListRefresh();
  }
  if (kind === "customer") noteClientMessage(message); // WeChat: the reply window reopens
  if (!isSelected) return;
  // A phone conversation's call card follows its calls (one rang, ended, left a voicemail).
  if (conversation && conversation.channel === "voice") refreshCallCard(message.conversation_id);
  // A jump in seq means something was missed (e.g. during a reconnect): refetch the timeline.
  const gap = state.timelineLoaded && message.seq > highestSeq() + 1;
  if (!state.messages.has(message.id)) addTimelineMessage(message);
  if (kind === "customer") hideRemoteTyping();
  readSelected();
  if (gap) loadTimeline(state.selectedId);
}

/** A job changed a message (a file arrived, a delivery succeeded or failed): redraw it in place. */
export function onMessageUpdated(message) {
  if (!message || !message.id) return;
  if (message.conversation_id === state.selectedId) {
    addTimelineMessage(message);
    return;
  }
  const delivery = message.delivery;
  if (delivery && delivery.status === "failed") {
    const conversation = state.conversations.get(message.conversation_id);
    const name = customerName(conversation && conversation.customer);
    toast(delivery.error ? t("live.notDeliveredBecause", { name, reason: delivery.error }) : t("live.notDelivered", { name }));
  }
}

export function onAssigned(payload) {
  const conversation = payload && payload.conversation;
  if (!conversation || !conversation.id) return;
  const ambassador = payload.ambassador || {};
  const mine = !state.staff || ambassador.id === undefined || ambassador.id === state.staff.id;
  if (!mine) {
    // Handed to a colleague: it is no longer ours to answer.
    state.conversations.delete(conversation.id);
    renderConversationList();
    if (conversation.id === state.selectedId) {
      showConversationError(t("live.nowWith", { name: ambassador.name || t("common.aColleague") }));
    }
    return;
  }
  const known = state.conversations.has(conversation.id);
  const merged = upsertConversation({ ...conversation, assigned_to: ambassador });
  if (!known && merged.id !== state.selectedId) scheduleListRefresh(); // its unread count
  renderConversationList();
  if (merged.id === state.selectedId) showConversation(merged);
  if (!known) announce(t("live.joined", { name: customerName(merged.customer) }));
}

export function markClosed(conversationId) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation) return;
  conversation.status = "closed";
  if (conversationId === state.selectedId) {
    showConversation(conversation);
    hideRemoteTyping();
    localTyping.stop();
  } else {
    state.conversations.delete(conversationId);
  }
  renderConversationList();
}

export function onRemoteTyping(payload) {
  if (!payload || payload.conversation_id !== state.selectedId) return;
  const author = payload.author || {};
  if (author.kind === "ambassador") return; // our own echo (or a colleague's)
  if (!payload.typing) {
    hideRemoteTyping();
    return;
  }
  const conversation = state.conversations.get(state.selectedId);
  remoteTyping.show(author.name || customerName(conversation && conversation.customer));
}

export function hideRemoteTyping() {
  remoteTyping.hide();
}
