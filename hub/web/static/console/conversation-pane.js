/**
 * The open conversation: its header, loading its timeline, switching between conversations
 * (drafts are kept per conversation) and closing it. On a phone the list and the pane take
 * turns on screen ("list" and "conversation" views).
 */
import { showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { readSelected, renderAttention } from "./attention.js";
import { closeCalendar } from "./calendar-view.js";
import { renderCallCard } from "./call-card.js";
import { renderChannelBadge } from "./channels.js";
import { pruneClosed, renderConversationList, updatePreviewFrom, upsertConversation } from "./conversations.js";
import { customerName, renderTier } from "./customer.js";
import { dom } from "./elements.js";
import { renderEmailHeader, setEmailState } from "./email-thread.js";
import { renderFeedbackBadge } from "./feedback-badge.js";
import { languageName } from "./formats.js";
import { hideRemoteTyping, markClosed } from "./live-events.js";
import { announce } from "./notices.js";
import { leaveSearchProfile, profileForConversation } from "./profile-panel.js";
import { canPropose, closeProposal } from "./proposal-dialog.js";
import { closeQueueBoard } from "./queue-board.js";
import { localTyping } from "./replies.js";
import { sessionEnded } from "./session.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";
import { addTimelineMessage, renderPendingForSelected, resetTimeline, scrollTimeline } from "./timeline.js";
import { renderVoiceComposer } from "./voice-composer.js";
import { setVoiceState } from "./voice-state.js";
import { renderReplyGate, setChannelState } from "./wechat-window-panel.js";

const isWide = () => window.matchMedia("(min-width: 768px)").matches;

export function setView(view) {
  dom.workspace.dataset.view = view;
}

export function selectConversation(id) {
  if (!id) return;
  closeQueueBoard({ restoreView: false });
  closeCalendar({ restoreView: false });
  leaveSearchProfile();
  if (state.selectedId !== id) {
    saveDraft();
    localTyping.stop();
    state.selectedId = id;
    resetTimeline();
    hideRemoteTyping();
    showConversationError("");
    dom.replyInput.value = state.drafts.get(id) || "";
    renderPendingForSelected();
  }
  pruneClosed();
  const conversation = state.conversations.get(id);
  renderConversationList();
  showConversation(conversation || { id });
  readSelected(); // the badge clears at once; the hub hears how far
  setView("conversation");
  // On a phone the keyboard would cover the timeline, so focus the heading there instead.
  if (isWide()) dom.replyInput.focus();
  else dom.convName.focus();
  loadTimeline(id);
}

function saveDraft() {
  if (!state.selectedId) return;
  if (dom.replyInput.value) state.drafts.set(state.selectedId, dom.replyInput.value);
  else state.drafts.delete(state.selectedId);
}

/** Fills the conversation header and enables or disables the composer (null: placeholder). */
export function showConversation(conversation) {
  dom.placeholder.hidden = Boolean(conversation);
  dom.conversationView.hidden = !conversation;
  profileForConversation(conversation);
  if (!conversation) {
    renderReplyGate(null);
    renderEmailHeader(null);
    renderCallCard(null);
    renderAttention(null);
    return;
  }
  const customer = conversation.customer || {};
  dom.convName.textContent = customerName(customer);
  dom.convName.setAttribute("tabindex", "-1");
  renderTier(dom.convTier, customer.tier);
  renderChannelBadge(dom.convChannel, conversation.channel);
  dom.convStore.textContent = conversation.store || "";
  dom.convLanguage.textContent = languageName(conversation.language);
  renderFeedbackBadge(conversation); // "CSAT 4/5" once the shopper has rated it
  const closed = conversation.status === "closed";
  dom.convClosed.hidden = !closed;
  dom.closeButton.disabled = closed;
  dom.transferOpen.disabled = conversation.status !== "assigned";
  dom.proposalOpen.disabled = !canPropose(conversation);
  dom.convNoteText.textContent = conversation.transfer_note || "";
  dom.convNote.hidden = !conversation.transfer_note;
  renderReplyGate(conversation); // the composer: closed conversations, WeChat's 48-hour window
  renderEmailHeader(conversation); // e-mail: the client's address, the subject, where replies go
  renderVoiceComposer(conversation); // phone: replies by text message, or none
  renderCallCard(conversation); // phone: the call to make and how it went
  renderAttention(conversation); // tags, and how a closed one ended
  dom.conversationView.dataset.status = conversation.status || "";
}

/**
 * The profile beside a conversation was (re)read: a name learnt since the conversation opened
 * (a WeChat nickname, read by a job after the first message) reaches the header and the list.
 */
export function followCustomerName(conversationId, profile) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation || !profile || !profile.name) return;
  const customer = conversation.customer || {};
  if (customer.name === profile.name) return;
  conversation.customer = { ...customer, name: profile.name };
  renderConversationList();
  if (conversationId === state.selectedId) dom.convName.textContent = customerName(conversation.customer);
}

/** The conversation is no longer ours (e.g. transferred): it leaves the list and the pane. */
export function dropConversation(id) {
  if (!state.conversations.delete(id)) return false;
  state.drafts.delete(id);
  for (const [clientId, item] of state.pending) {
    if (item.conversation_id === id) state.pending.delete(clientId);
  }
  if (state.selectedId === id) {
    closeProposal();
    localTyping.stop();
    hideRemoteTyping();
    state.selectedId = null;
    state.loadTicket += 1; // a timeline still loading is for nobody now
    resetTimeline();
    dom.replyInput.value = "";
    showConversationError("");
    showConversation(null);
    setView("list");
  }
  renderConversationList();
  return true;
}

export function showConversationError(message) {
  showText(dom.convError, message);
}

export async function loadTimeline(id) {
  const ticket = ++state.loadTicket;
  dom.timeline.setAttribute("aria-busy", "true");
  let data;
  try {
    data = await api("GET", `/api/conversations/${encodeURIComponent(id)}`);
  } catch (err) {
    if (ticket !== state.loadTicket) return;
    dom.timeline.setAttribute("aria-busy", "false");
    if (err.status === 401) sessionEnded();
    else if (err.status === 404) showConversationError(t("conversation.gone"));
    else showConversationError(err.message);
    return;
  }
  if (ticket !== state.loadTicket || state.selectedId !== id) return;
  const base = data.conversation || { id };
  const conversation = upsertConversation({ ...base, customer: data.customer || base.customer });
  setChannelState(id, data.channel_state);
  setEmailState(id, data.channel_state);
  setVoiceState(id, data.channel_state);
  showConversation(conversation);
  renderConversationList();
  const messages = data.messages || [];
  messages.forEach(addTimelineMessage);
  updatePreviewFrom(conversation, messages);
  state.timelineLoaded = true;
  dom.timeline.setAttribute("aria-busy", "false");
  scrollTimeline(true);
  readSelected();
}

/** `choice`: {outcome?, note?} from the outcome chooser (console/attention-close.js). */
export function closeConversation(choice = {}) {
  const conversationId = state.selectedId;
  if (!conversationId) return;
  dom.closeButton.disabled = true;
  showConversationError("");
  const payload = { conversation_id: conversationId };
  if (choice.outcome) payload.outcome = choice.outcome;
  if (choice.outcome && choice.note) payload.note = choice.note;
  const sent = emitNow("close", payload, (ack) => {
    if (!ack || ack.error) {
      dom.closeButton.disabled = false;
      showConversationError((ack && ack.error && ack.error.message) || t("conversation.closeFailed"));
      return;
    }
    if (ack.conversation) upsertConversation(ack.conversation);
    markClosed(conversationId);
    announce(t("conversation.closedAnnouncement"));
  });
  if (!sent) {
    dom.closeButton.disabled = false;
    showConversationError(t("common.notConnected"));
  }
}
