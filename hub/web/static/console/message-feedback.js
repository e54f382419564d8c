/**
 * Feedback in the timeline (a message whose data.feedback is set by hub/feedback.py): the
 * question the shopper was sent, with what it asks on which scale, and the note of their
 * answer ("Rated 4/5" and their words), drawn in the console's language.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { noteAnswer } from "./feedback-badge.js";

/** The question or answer a message carries, or null. */
export function feedbackOf(message) {
  const data = message && message.data && message.data.feedback;
  const usable = data && (data.kind === "csat" || data.kind === "nps") && Array.isArray(data.scale);
  return usable ? data : null;
}

function answerCard(feedback) {
  const values = { score: feedback.score, max: feedback.scale[1] };
  const parts = [el("p", { className: "fb-score", text: t(`feedback.answered.${feedback.kind}`, values), attrs: { "data-testid": "timeline-feedback-score" } })];
  if (feedback.comment) {
    parts.push(el("blockquote", { className: "fb-comment", text: t("feedback.quote", { comment: feedback.comment }) }));
  }
  return parts;
}

function questionCard(feedback, text) {
  const [low, high] = feedback.scale;
  return [
    el("p", { className: "fb-asked", text: t(`feedback.asked.${feedback.kind}`, { low, high }) }),
    text ? el("p", { className: "rich-text", text }) : null,
  ].filter(Boolean);
}

/** Fills the bubble when the message is feedback; returns whether it was. */
export function renderFeedbackMessage(bubble, message) {
  const feedback = feedbackOf(message);
  if (!feedback) return false;
  const answered = Number.isInteger(feedback.score);
  bubble.dataset.kind = "feedback";
  bubble.dataset.feedback = answered ? "answer" : "question";
  bubble.replaceChildren(...(answered ? answerCard(feedback) : questionCard(feedback, (message.text || "").trim())));
  if (answered) noteAnswer(message, feedback);
  return true;
}
