/**
 * The choice of a score: one button per score, aria-pressed on the chosen one, each named
 * for screen readers from the catalogue ("4 – Very good", "9 out of 10").
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

function scoreName(kind, score) {
  return kind === "csat" ? t(`feedback.csat.score.${score}`) : t("feedback.nps.score", { score });
}

/**
 * Fills `box` with the buttons of [low, high]; `onChoose(score)` hears every choice.
 * Returns a function that marks a score as the chosen one (or none with null).
 */
export function renderScores(box, kind, [low, high], onChoose) {
  const buttons = [];
  for (let score = low; score <= high; score += 1) {
    const button = el("button", {
      className: "rate-score",
      text: String(score),
      attrs: {
        type: "button",
        "aria-pressed": "false",
        "aria-label": scoreName(kind, score),
        "data-score": score,
        "data-testid": "rate-score",
      },
    });
    button.addEventListener("click", () => onChoose(score));
    buttons.push(button);
  }
  box.dataset.kind = kind;
  box.replaceChildren(...buttons);
  return (chosen) => {
    for (const button of buttons) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.score) === chosen));
    }
  };
}
