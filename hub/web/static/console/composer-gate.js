/**
 * Whether the reply box is open. The channel decides for replies (a closed conversation,
 * WeChat's 48-hour window, a call with no number for text messages), but a note for
 * colleagues is always possible, so note mode opens the box whatever the channel says and
 * leaving it puts the channel's answer back. wechat-window-panel.js and voice-composer.js
 * report the channel's answer here; conversation-notes.js reports the mode.
 */
import { t } from "../shared/i18n.js";
import { dom } from "./elements.js";

const gate = { replies: true, placeholder: null, notes: false };

/** The channel's answer for the open conversation, with the placeholder that explains it. */
export function setReplyGate(allowed, placeholder) {
  gate.replies = allowed;
  gate.placeholder = placeholder;
  applyGate();
}

/** Note mode on or off (the "Note" toggle). */
export function setNoteGate(on) {
  gate.notes = on;
  applyGate();
}

/** Whether a reply (not a note) may go out now. */
export const repliesAllowed = () => gate.replies;

function applyGate() {
  const open = gate.replies || gate.notes;
  dom.replyInput.disabled = !open;
  dom.replySend.disabled = !open;
  dom.replyInput.placeholder = gate.notes
    ? t("notes.conversationPlaceholder")
    : gate.placeholder || t("reply.placeholder");
}
