/**
 * How a callback try went, recorded by the ambassador who made it: Reached, No answer (the
 * hub tries again later, up to the callback's tries, and tells the shopper) or Wrong number.
 * One click chooses, an inline confirmation with an optional note records it; the buttons
 * are inert while it is being sent, and a refusal is shown in place.
 */
import { button, el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { api } from "./api.js";

const OUTCOMES = [
  {
    value: "reached",
    label: () => t("call.outcome.reached"),
    record: () => t("call.outcome.recordReached"),
    confirm: () => t("call.outcome.confirmReached"),
  },
  {
    value: "no_answer",
    label: () => t("call.outcome.noAnswer"),
    record: () => t("call.outcome.recordNoAnswer"),
    confirm: (callback) => {
      const made = (Number(callback.attempts) || 0) + 1;
      const max = Number(callback.max_attempts) || made;
      return made < max
        ? t("call.outcome.confirmNoAnswer", { next: formatNumber(made + 1), max: formatNumber(max) })
        : t("call.outcome.confirmNoAnswerLast");
    },
  },
  {
    value: "wrong_number",
    label: () => t("call.outcome.wrongNumber"),
    record: () => t("call.outcome.recordWrongNumber"),
    confirm: () => t("call.outcome.confirmWrongNumber"),
  },
];

/**
 * onRecorded(conversationId, answer): the hub's {callback, conversation} after a recording.
 * Returns {el, show(conversationId, callback, enabled), reset()}.
 */
export function callOutcome(onRecorded) {
  const choices = OUTCOMES.map((outcome) => {
    const node = button(outcome.label(), "button button-outline", `call-outcome-${outcome.value.replace("_", "-")}`);
    node.setAttribute("aria-pressed", "false");
    node.addEventListener("click", () => choose(outcome));
    return { outcome, node };
  });
  const message = el("p", { className: "confirm-message", attrs: { "data-testid": "call-outcome-message" } });
  const note = el("textarea", {
    attrs: { id: "call-outcome-note", rows: "2", maxlength: "2000", "data-testid": "call-outcome-note" },
  });
  const error = el("p", { className: "form-error", attrs: { role: "alert", "data-testid": "call-outcome-error" } });
  const confirm = button("", "button button-primary", "call-outcome-confirm");
  const cancel = button(t("common.cancel"), "button button-quiet", "call-outcome-cancel");
  const legend = t("call.outcome.legend");
  const panel = el("div", { className: "call-outcome-confirm", attrs: { role: "group", "aria-label": legend } }, [
    message,
    el("label", { className: "call-outcome-note-label", text: t("call.outcome.note"), attrs: { for: "call-outcome-note" } }),
    note,
    error,
    el("div", { className: "confirm-actions" }, [confirm, cancel]),
  ]);
  const root = el("fieldset", { className: "call-outcome", attrs: { "data-testid": "call-outcome" } }, [
    el("legend", { className: "call-outcome-legend", text: legend }),
    el(
      "div",
      { className: "call-outcome-choices" },
      choices.map((c) => c.node),
    ),
    panel,
  ]);
  const current = { conversationId: null, callback: null, chosen: null, sending: false };
  panel.hidden = true;
  error.hidden = true;

  function setBusy(busy) {
    current.sending = busy;
    root.setAttribute("aria-busy", String(busy));
    for (const { node } of choices) node.disabled = busy;
    confirm.disabled = busy;
    cancel.disabled = busy;
    note.disabled = busy;
    confirm.textContent = busy ? t("call.outcome.sending") : current.chosen ? current.chosen.record() : "";
  }

  function choose(outcome) {
    if (current.sending || !current.callback) return;
    current.chosen = outcome;
    for (const c of choices) c.node.setAttribute("aria-pressed", String(c.outcome === outcome));
    message.textContent = outcome.confirm(current.callback);
    confirm.textContent = outcome.record();
    showText(error, "");
    panel.hidden = false;
    confirm.focus();
  }

  function close() {
    current.chosen = null;
    for (const c of choices) c.node.setAttribute("aria-pressed", "false");
    panel.hidden = true;
    showText(error, "");
  }

  async function record() {
    const { conversationId, chosen } = current;
    if (!chosen || current.sending || !conversationId) return;
    setBusy(true);
    showText(error, "");
    const body = { outcome: chosen.value };
    if (note.value.trim()) body.note = note.value.trim();
    let answer;
    try {
      answer = await api("POST", `/api/conversations/${encodeURIComponent(conversationId)}/callback-outcome`, body);
    } catch (err) {
      if (current.conversationId !== conversationId) return;
      setBusy(false);
      showText(error, err.message || t("call.outcome.failed"));
      return;
    }
    setBusy(false);
    if (current.conversationId === conversationId) {
      note.value = "";
      close();
    }
    onRecorded(conversationId, answer || {});
  }

  confirm.addEventListener("click", record);
  cancel.addEventListener("click", () => {
    close();
    if (choices[0]) choices[0].node.focus();
  });

  return {
    el: root,
    /** The callback shown; enabled: whether a try can be recorded now (ours, still waiting). */
    show(conversationId, callback, enabled) {
      if (conversationId !== current.conversationId) {
        note.value = "";
        close();
        setBusy(false);
      }
      current.conversationId = conversationId;
      current.callback = callback;
      root.hidden = !enabled;
      if (!enabled) close();
    },
    reset() {
      current.conversationId = null;
      current.callback = null;
      note.value = "";
      close();
      setBusy(false);
    },
  };
}
