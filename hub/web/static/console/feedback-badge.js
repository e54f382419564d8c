/**
 * The shopper's ratings in the conversation header: "CSAT 4/5" once they answered the
 * question asked at the close, "NPS 9/10" for an appointment booked from the conversation.
 * Filled from GET /api/conversations/{id} (conversation.feedback) and kept live by the answer's
 * note in the timeline (message-feedback.js), so a watching console sees it as it comes.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { dom } from "./elements.js";
import { state } from "./state.js";

let box = null; // built once, beside the channel, store and language in the header

function badgeBox() {
  if (!box) {
    box = el("span", { className: "feedback-badges", attrs: { "data-testid": "conversation-feedback" } });
    dom.convLanguage.after(box);
  }
  return box;
}

function badge(kind, answer) {
  const [, high] = Array.isArray(answer.scale) ? answer.scale : [0, kind === "csat" ? 5 : 10];
  const values = { score: answer.score, max: high };
  const node = el("span", {
    className: "feedback-badge",
    text: t(`feedback.badge.${kind}`, values),
    attrs: { "data-kind": kind, "data-testid": `conversation-${kind}` },
  });
  const said = answer.comment ? `${t(`feedback.label.${kind}`, values)} \u2014 ${answer.comment}` : t(`feedback.label.${kind}`, values);
  node.title = said;
  node.setAttribute("aria-label", said);
  return node;
}

/** Shows the conversation's answered ratings (none: nothing). */
export function renderFeedbackBadge(conversation) {
  const feedback = (conversation && conversation.feedback) || {};
  const badges = ["csat", "nps"].filter((kind) => feedback[kind]).map((kind) => badge(kind, feedback[kind]));
  badgeBox().replaceChildren(...badges);
  badgeBox().hidden = badges.length === 0;
}

/** An answer's note reached the timeline: the header follows, and so does the list's copy. */
export function noteAnswer(message, answer) {
  const conversation = state.conversations.get(message.conversation_id);
  if (!conversation) return;
  const current = conversation.feedback || {};
  const known = current[answer.kind];
  if (known && known.answered_at === answer.answered_at) return;
  conversation.feedback = {
    ...current,
    [answer.kind]: {
      score: answer.score,
      scale: answer.scale,
      comment: answer.comment || null,
      answered_at: answer.answered_at,
    },
  };
  if (message.conversation_id === state.selectedId) renderFeedbackBadge(conversation);
}
