/**
 * An in-page confirmation for an action that cannot be undone (merge, erase): a message, a
 * confirm and a cancel button, and optionally a word to type before confirm is enabled.
 * Never window.confirm: it blocks the page and the socket's handlers with it.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

/**
 * message: what will happen; confirmLabel: the button's text; word: text to type first
 * (e.g. "ERASE"), or none; onConfirm(): a promise that rejects with an Error to show;
 * testid: a prefix for the data-testids (`${testid}-confirm`, `-cancel`, `-word`).
 * Returns {el, open(), close(), isOpen()}.
 */
export function inlineConfirm({ message, confirmLabel, word, onConfirm, testid }) {
  const text = el("p", { className: "confirm-message", text: message });
  const error = el("p", { className: "form-error", attrs: { role: "alert" } });
  const confirm = button(confirmLabel, "button button-danger", `${testid}-confirm`);
  const cancel = button(t("common.cancel"), "button button-quiet", `${testid}-cancel`);
  let typed = null;
  let field = null;
  if (word) {
    typed = el("input", {
      attrs: { type: "text", autocomplete: "off", spellcheck: "false", "data-testid": `${testid}-word` },
    });
    field = el("label", { className: "confirm-word" }, [el("span", { text: t("confirm.typeWord", { word }) }), typed]);
    typed.addEventListener("input", () => {
      confirm.disabled = typed.value.trim() !== word;
    });
  }
  const root = el("div", { className: "confirm", attrs: { role: "group" } }, [
    text,
    field,
    error,
    el("div", { className: "confirm-actions" }, [confirm, cancel]),
  ]);
  root.hidden = true;
  error.hidden = true;

  function close() {
    root.hidden = true;
  }

  function open() {
    showText(error, "");
    confirm.textContent = confirmLabel;
    if (typed) typed.value = "";
    confirm.disabled = Boolean(word);
    root.hidden = false;
    (typed || confirm).focus();
  }

  confirm.addEventListener("click", async () => {
    if (confirm.disabled) return;
    confirm.disabled = true;
    confirm.textContent = t("confirm.working");
    try {
      await onConfirm();
      close();
    } catch (err) {
      showText(error, (err && err.message) || t("confirm.failed"));
      confirm.disabled = false;
    } finally {
      confirm.textContent = confirmLabel;
    }
  });
  cancel.addEventListener("click", close);
  return { el: root, open, close, isOpen: () => !root.hidden };
}
