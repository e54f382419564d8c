/**
 * Closing with an outcome: the Close button opens a small chooser in the header (how did it
 * end: purchase, appointment, …, an optional note); choosing one closes the conversation
 * with it, "Skip" closes without one, Escape or Cancel leaves it open. The outcome shows
 * beside the "closed" banner, for staff only (the shopper never sees it).
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { closeConversation } from "./conversation-pane.js";
import { dom } from "./elements.js";
import { state } from "./state.js";

// The hub's list (hub.conversation_labels.OUTCOMES), in the order the chooser offers them.
export const OUTCOMES = ["purchase", "appointment", "information", "after_sales", "no_action", "other"];
const ui = { root: null, note: null, first: null, shown: null };

export const outcomeLabel = (outcome) => (OUTCOMES.includes(outcome) ? t(`attention.outcome.${outcome}`) : "");

function chosen(outcome) {
  const note = ui.note.value.trim();
  hideChooser();
  closeConversation({ outcome, note: outcome && note ? note : undefined });
}

function hideChooser({ focusClose = false } = {}) {
  if (!ui.root || ui.root.hidden) return;
  ui.root.hidden = true;
  dom.closeButton.setAttribute("aria-expanded", "false");
  if (focusClose && !dom.closeButton.disabled) dom.closeButton.focus();
}

/** The Close button: ask how it ended (the chooser), rather than closing at once. */
export function askCloseOutcome() {
  if (!state.selectedId || dom.closeButton.disabled) return;
  if (!ui.root.hidden) {
    hideChooser({ focusClose: true });
    return;
  }
  ui.note.value = "";
  ui.root.hidden = false;
  dom.closeButton.setAttribute("aria-expanded", "true");
  ui.first.focus();
}

/** "Outcome: Purchase" beside the closed banner of a closed conversation. */
export function renderOutcome(conversation) {
  if (!ui.shown) return;
  if (!conversation || conversation.id !== state.selectedId) hideChooser();
  const closed = conversation && conversation.status === "closed";
  if (closed) hideChooser();
  const label = closed ? outcomeLabel(conversation.outcome) : "";
  ui.shown.hidden = !label;
  ui.shown.dataset.outcome = label ? conversation.outcome : "";
  ui.shown.textContent = label ? t("attention.outcome.shown", { outcome: label }) : "";
  if (label && conversation.outcome_note) ui.shown.append(` \u2014 ${conversation.outcome_note}`);
}

export function wireCloseOutcome() {
  const titleId = "close-outcome-title";
  const options = OUTCOMES.map((outcome) => {
    const option = button(outcomeLabel(outcome), "button button-outline outcome-option", `close-outcome-${outcome}`);
    option.dataset.outcome = outcome;
    option.addEventListener("click", () => chosen(outcome));
    return option;
  });
  ui.first = options[0];
  ui.note = el("input", {
    className: "outcome-note",
    attrs: { type: "text", maxlength: "1000", autocomplete: "off", "data-testid": "close-outcome-note" },
  });
  const noteId = "close-outcome-note";
  ui.note.id = noteId;
  const skip = button(t("attention.close.skip"), "button button-quiet", "close-outcome-skip");
  skip.addEventListener("click", () => chosen(null));
  const cancel = button(t("common.cancel"), "button button-quiet", "close-outcome-cancel");
  cancel.addEventListener("click", () => hideChooser({ focusClose: true }));
  ui.root = el(
    "div",
    {
      className: "close-outcome",
      attrs: { role: "group", "aria-labelledby": titleId, id: "close-outcome", "data-testid": "close-outcome" },
    },
    [
      el("p", { className: "close-outcome-title", text: t("attention.close.title"), attrs: { id: titleId } }),
      el("div", { className: "outcome-options" }, options),
      el("label", { className: "outcome-note-field", attrs: { for: noteId } }, [
        el("span", { text: t("attention.close.note") }),
      ]),
      ui.note,
      el("div", { className: "outcome-actions" }, [skip, cancel]),
    ],
  );
  ui.root.hidden = true;
  ui.root.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      hideChooser({ focusClose: true });
    }
  });
  ui.note.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // a note alone does not close
  });
  dom.closeButton.addEventListener("click", askCloseOutcome);
  dom.closeButton.setAttribute("aria-controls", "close-outcome");
  dom.closeButton.setAttribute("aria-expanded", "false");
  ui.shown = el("p", { className: "conv-outcome", attrs: { "data-testid": "conversation-outcome" } });
  ui.shown.hidden = true;
  dom.convClosed.after(ui.shown);
  dom.convClosed.before(ui.root);
}

export function resetCloseOutcome() {
  hideChooser();
  if (ui.shown) ui.shown.hidden = true;
}
