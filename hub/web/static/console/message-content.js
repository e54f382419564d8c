/**
 * What a timeline bubble shows beyond plain text: a proposal card, or the files, place or
 * link a message carries, and what an e-mail adds (its form, subject, folded quote). The row
 * has already put the message's text in the bubble.
 */
import { el } from "../shared/dom.js";
import { attachmentList } from "./message-attachments.js";
import { mailParts } from "./message-email.js";
import { linkCard } from "./message-link.js";
import { locationCard } from "./message-location.js";
import { voicemailCard } from "./message-voicemail.js";
import { renderFeedbackMessage } from "./message-feedback.js";
import { renderNoteMessage } from "./note-message.js";
import { renderProposalCard } from "./proposal-card.js";

/**
 * The WeChat adapter writes a stand-in text ("[Image]", "[Location] Plaza 66") for channels
 * and previews that cannot show the content; here the content itself replaces it. Other
 * channels' text is what the client wrote, so it stays above their files.
 */
const textStandsIn = (message) => message.channel === "wechat";

/** Fills the bubble; returns nothing and leaves plain text alone when there is nothing more. */
export function renderMessageContent(bubble, message) {
  if (renderNoteMessage(bubble, message)) return; // a note for colleagues only
  if (renderFeedbackMessage(bubble, message)) return; // a rating question, or its answer
  renderProposalCard(bubble, message);
  if (bubble.dataset.kind === "proposal") return;
  const voicemail = voicemailCard(message);
  if (voicemail) {
    // The card says it all: the transcript is the words, the recording the voice.
    bubble.dataset.kind = "rich";
    bubble.replaceChildren(voicemail);
    return;
  }
  const mail = mailParts(message);
  const parts = [attachmentList(message), locationCard(message), linkCard(message)].filter(Boolean);
  if (parts.length === 0 && mail.lead.length === 0 && !mail.quote && !mail.refused) return;
  bubble.dataset.kind = "rich";
  const text = textStandsIn(message) ? "" : (message.text || "").trim();
  const body = text ? el("p", { className: "rich-text", text }) : null;
  bubble.replaceChildren(...[...mail.lead, body, mail.quote, ...parts, mail.refused].filter(Boolean));
}
