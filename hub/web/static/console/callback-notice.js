/**
 * After a callback try: what the hub's answer (or its `callback_rescheduled` event, whichever
 * comes first) means for the ambassador's list. No answer with tries left: the conversation
 * leaves the list until its next try, and a notice above the list says when that is. The last
 * try, or a wrong number: it is closed. Reached: it stays, for notes, until closed.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { renderCallCard } from "./call-card.js";
import { dropConversation } from "./conversation-pane.js";
import { upsertConversation } from "./conversations.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { formatStamp } from "./formats.js";
import { markClosed } from "./live-events.js";
import { announce } from "./notices.js";
import { state } from "./state.js";
import { forgetVoiceState, updateCallback } from "./voice-state.js";

const RECORDED = {
  reached: () => t("callback.recorded.reached"),
  wrong_number: () => t("callback.recorded.wrongNumber"),
  unreachable: () => t("callback.recorded.unreachable"),
};

let shown = ""; // the notice on screen, so the answer and the event do not announce it twice

function showNotice(text) {
  if (shown === text && !dom.conversationsNotice.hidden) return;
  shown = text;
  const dismiss = button(t("common.dismiss"), "link-button list-notice-dismiss", "conversations-notice-dismiss");
  dismiss.addEventListener("click", () => {
    dom.conversationsNotice.hidden = true;
    shown = "";
  });
  dom.conversationsNotice.replaceChildren(el("span", { className: "list-notice-text", text }), dismiss);
  dom.conversationsNotice.hidden = false;
  announce(text);
}

/** `callback_rescheduled {conversation_id, callback}`: nobody answered; it comes back later. */
export function onCallbackRescheduled(payload) {
  const conversationId = payload && payload.conversation_id;
  if (!conversationId) return;
  const conversation = state.conversations.get(conversationId);
  const callback = (payload && payload.callback) || {};
  const name = callback.name || customerName(conversation && conversation.customer);
  showNotice(t("callback.rescheduled", { when: formatStamp(callback.due_at) || t("callback.later"), name }));
  forgetVoiceState(conversationId);
  dropConversation(conversationId);
}

/** The hub's answer to a recorded outcome: {callback, conversation: {id, status}}. */
export function onCallbackRecorded(conversationId, answer) {
  const callback = answer.callback || null;
  const status = answer.conversation && answer.conversation.status;
  if (status === "scheduled" || (callback && callback.status === "scheduled")) {
    onCallbackRescheduled({ conversation_id: conversationId, callback });
    return;
  }
  updateCallback(conversationId, callback);
  if (callback && RECORDED[callback.status]) announce(RECORDED[callback.status]());
  if (status === "closed") {
    upsertConversation({ id: conversationId, status: "closed" });
    markClosed(conversationId);
  }
  if (conversationId === state.selectedId) renderCallCard(state.conversations.get(conversationId) || null);
}
