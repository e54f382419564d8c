/**
 * A note for colleagues in the timeline (a message whose data.note is set by
 * hub/conversation_notes.py): drawn apart from what the shopper reads, labelled as seen by
 * colleagues only.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

export const isNote = (message) => Boolean(message && message.data && message.data.note === true);

/** Fills the bubble when the message is a note; returns whether it was. */
export function renderNoteMessage(bubble, message) {
  if (!isNote(message)) return false;
  bubble.dataset.kind = "note";
  const row = bubble.parentElement;
  if (row) row.classList.add("tl-row--note");
  bubble.replaceChildren(
    el("p", { className: "tl-note-label", text: t("notes.colleaguesOnly"), attrs: { "data-testid": "timeline-note-label" } }),
    el("p", { className: "rich-text", text: message.text || "" }),
  );
  return true;
}
