/**
 * After a callback try: what the hub's answer (or its `callback_rescheduled` event, whichever
 * comes first) means for the ambassador's list. No answer with tries left: the conversation
 * leaves the list until its next try, and a notice above the list says when that is. The last
 * try, or a wrong number: it is closed. Reached: it stays, for notes, until closed.
 */
import { button, el } from "../shared/dom.js";
import { formatStamp } from "../shared/time.js";
import { renderCallCard } from "./call-card.js";
import { dropConversation } from "./conversation-pane.js";
import { upsertConversation } from "./conversations.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { markClosed } from "./live-events.js";
import { announce } from "./notices.js";
import { state } from "./state.js";
import { forgetVoiceState, updateCallback } from "./voice-state.js";

const TEXT = {
  rescheduled: (when, name) => `Callback rescheduled for ${when || "later"} (${name}).`,
  dismiss: "Dismiss",
  recorded: {
    reached: "Call recorded: reached.",
    wrong_number: "Call recorded: wrong number.",
    unreachable: "Call recorded: no tries left.",
  },
};

let shown = ""; // the notice on screen, so the answer and the event do not announce it twice

function showNotice(text) {
  if (shown === text && !dom.conversationsNotice.hidden) return;
  shown = text;
  const dismiss = button(TEXT.dismiss, "link-button list-notice-dismiss", "conversations-notice-dismiss");
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
  showNotice(TEXT.rescheduled(formatStamp(callback.due_at), name));
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
  if (callback && TEXT.recorded[callback.status]) announce(TEXT.recorded[callback.status]);
  if (status === "closed") {
    upsertConversation({ id: conversationId, status: "closed" });
    markClosed(conversationId);
  }
  if (conversationId === state.selectedId) renderCallCard(state.conversations.get(conversationId) || null);
}
