/**
 * Rating questions in the chat: a message whose data.feedback is set by hub/feedback.py
 * ({id, kind: "csat" | "nps", scale: [low, high]}) shows one button per score, an optional
 * comment and a send button under its bubble. The answer goes over the shopper's socket
 * (`feedback {feedback_id, score, comment?}`); the hub keeps the first answer only.
 *
 * Once answered, the hub writes a note with the same data plus the score: the widget shows
 * it as its thanks and locks the question (also when history replays both after a reload).
 * Buttons carry aria-pressed; their names come from the catalogue ("4 – Very good").
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { state } from "./state.js";

const KINDS = new Set(["csat", "nps"]);
const MAX_COMMENT = 1000;
const cards = new Map(); // feedback id -> card, so the answer's note can lock its question
const answered = new Map(); // feedback id -> score, for a question shown after its answer

/** The question or answer a message carries, when it is one the widget can show; else null. */
export function feedbackOf(message) {
  const data = message && message.data && message.data.feedback;
  const usable =
    data &&
    typeof data.id === "string" &&
    KINDS.has(data.kind) &&
    Array.isArray(data.scale) &&
    data.scale.length === 2 &&
    data.scale.every(Number.isInteger);
  return usable ? data : null;
}

/** A note recording the answer (it has the score), rather than the question. */
export const isAnswer = (feedback) => Number.isInteger(feedback.score);

/** What the bubble says: the question in the widget's language, or the thanks for an answer. */
export function feedbackText(feedback) {
  return isAnswer(feedback) ? t("feedback.thanks") : t(`feedback.${feedback.kind}.question`);
}

function scoreName(kind, score) {
  return kind === "csat" ? t(`feedback.csat.score.${score}`) : t("feedback.nps.score", { score });
}

function say(card, text, tone) {
  card.status.textContent = text;
  card.status.dataset.tone = tone || "";
}

/** Answered (here, in another tab, or before a reload): the choice stays shown, nothing more. */
function lock(card, score) {
  card.done = true;
  for (const button of card.buttons) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.score) === score));
    button.setAttribute("aria-disabled", "true");
  }
  card.extra.hidden = true;
  card.group.dataset.state = "answered";
}

function choose(card, score) {
  if (card.done || card.busy) return;
  card.score = score;
  for (const button of card.buttons) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.score) === score));
  }
  card.extra.hidden = false;
  card.send.disabled = false;
}

function errorText(ack) {
  const code = ack && ack.error && ack.error.code;
  if (code === "already_answered") return t("feedback.already");
  if (code === "rate_limited") return t("feedback.busy");
  return t("feedback.failed");
}

function send(card) {
  if (card.done || card.busy || card.score === null) return;
  const socket = state.socket;
  if (!socket || !socket.connected) {
    say(card, t("feedback.offline"), "error");
    return;
  }
  card.busy = true;
  card.send.disabled = true;
  say(card, t("feedback.sending"));
  const comment = card.comment.value.trim();
  const payload = { feedback_id: card.id, score: card.score };
  if (comment) payload.comment = comment;
  socket.timeout(10000).emit("feedback", payload, (err, ack) => {
    card.busy = false;
    if (!err && ack && ack.ok) {
      lock(card, card.score);
      if (!card.noted) say(card, t("feedback.thanks"), "done"); // until the hub's note says it
      return;
    }
    if (ack && ack.error && ack.error.code === "already_answered") lock(card, card.score);
    else card.send.disabled = false;
    say(card, err ? t("feedback.offline") : errorText(ack), "error");
  });
}

function scoreButton(card, score) {
  const button = el("button", {
    className: "cw-score",
    text: String(score),
    attrs: {
      type: "button",
      "aria-pressed": "false",
      "aria-label": scoreName(card.kind, score),
      "data-score": score,
      "data-testid": "chat-feedback-score",
    },
  });
  button.addEventListener("click", () => choose(card, score));
  return button;
}

function buildCard(feedback) {
  const [low, high] = feedback.scale;
  const card = { id: feedback.id, kind: feedback.kind, score: null, done: false, busy: false, noted: false };
  const scores = [];
  for (let score = low; score <= high; score += 1) scores.push(score);
  card.buttons = scores.map((score) => scoreButton(card, score));
  const ends = el("p", { className: "cw-score-ends", attrs: { "aria-hidden": "true" } }, [
    el("span", { text: t(`feedback.${feedback.kind}.low`) }),
    el("span", { text: t(`feedback.${feedback.kind}.high`) }),
  ]);
  const commentId = `cw-feedback-comment-${feedback.id}`;
  card.comment = el("textarea", {
    className: "cw-feedback-comment",
    attrs: { id: commentId, rows: "2", maxlength: MAX_COMMENT, "data-testid": "chat-feedback-comment" },
  });
  card.send = el("button", {
    className: "cw-feedback-send",
    text: t("feedback.send"),
    attrs: { type: "button", "data-testid": "chat-feedback-send" },
  });
  card.send.disabled = true;
  card.send.addEventListener("click", () => send(card));
  const label = el("label", { className: "cw-field-label", text: t("feedback.comment"), attrs: { for: commentId } });
  card.extra = el("div", { className: "cw-feedback-extra" }, [label, card.comment, card.send]);
  card.extra.hidden = true;
  card.status = el("p", {
    className: "cw-feedback-status",
    attrs: { role: "status", "data-testid": "chat-feedback-status" },
  });
  card.group = el(
    "div",
    {
      className: "cw-feedback",
      attrs: { role: "group", "aria-label": t(`feedback.${feedback.kind}.question`), "data-testid": "chat-feedback" },
    },
    [el("div", { className: "cw-scores", attrs: { "data-kind": feedback.kind } }, card.buttons), ends, card.extra, card.status],
  );
  return card;
}

/**
 * Under a question's bubble: its choices, once (a history replay keeps what was done). An
 * answer's note locks the question it answers.
 */
export function showFeedback(entry, feedback) {
  if (isAnswer(feedback)) {
    entry.bubble.dataset.feedback = "answered";
    answered.set(feedback.id, feedback.score);
    const card = cards.get(feedback.id);
    if (card) {
      lock(card, feedback.score);
      card.noted = true;
      say(card, ""); // the note's bubble thanks them; once is enough
    }
    return;
  }
  if (entry.feedback) return;
  entry.feedback = buildCard(feedback);
  cards.set(feedback.id, entry.feedback);
  if (answered.has(feedback.id)) lock(entry.feedback, answered.get(feedback.id));
  entry.bubble.after(entry.feedback.group);
}
