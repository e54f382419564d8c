/**
 * Notes on the open conversation, for colleagues: the "Note" toggle in the composer's tools
 * turns the send button into "Add note", and what is sent then goes out as
 * `note {conversation_id, about: "conversation", client_id, text}`: a line in the timeline that
 * the hub never sends the shopper (hub/conversation_notes.py); note-message.js draws it.
 */
import { button } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { newClientId } from "../shared/ids.js";
import { setNoteGate } from "./composer-gate.js";
import { dom } from "./elements.js";
import { toast } from "./notices.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

const notes = { toggle: null, on: false };

export const noteMode = () => notes.on;

function setMode(on) {
  notes.on = on;
  notes.toggle.setAttribute("aria-pressed", on ? "true" : "false");
  dom.replyForm.dataset.mode = on ? "note" : "reply";
  dom.replySend.textContent = on ? t("notes.addToConversation") : t("reply.send");
  // A note is possible even where the channel takes no reply now (composer-gate.js).
  setNoteGate(on);
}

/**
 * Sends the composer's text as a note on the open conversation. `shown(message)` puts the
 * stored note in the timeline and the list (replies.js passes what it uses for replies).
 */
export function sendNote(shown) {
  const text = dom.replyInput.value;
  const conversationId = state.selectedId;
  if (!text.trim() || !conversationId) return;
  const payload = { conversation_id: conversationId, about: "conversation", client_id: newClientId(), text };
  const sent = emitNow("note", payload, (ack) => {
    if (!ack || ack.error || !ack.message) {
      if (!dom.replyInput.value && state.selectedId === conversationId) dom.replyInput.value = text;
      toast((ack && ack.error && ack.error.message) || t("notes.failed"));
      return;
    }
    shown(ack.message);
  });
  if (!sent) {
    toast(t("common.notConnected"));
    return;
  }
  dom.replyInput.value = "";
  state.drafts.delete(conversationId);
}

/** Once: the toggle in the composer's tools. */
export function wireConversationNotes() {
  notes.toggle = button(t("notes.toggle"), "button button-quiet composer-tool note-toggle", "note-toggle");
  notes.toggle.setAttribute("aria-pressed", "false");
  notes.toggle.title = t("notes.toggleHint");
  notes.toggle.addEventListener("click", () => {
    setMode(!notes.on);
    dom.replyInput.focus();
  });
  document.getElementById("composer-tools").append(notes.toggle);
}

/** On sign-out: back to replies. */
export function resetConversationNotes() {
  if (notes.toggle) setMode(false);
}
