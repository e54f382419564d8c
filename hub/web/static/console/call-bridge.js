/**
 * "Call via provider": the boutique's voice provider rings the ambassador's own phone, then
 * connects them to the client (POST /api/conversations/{id}/call). Shown only when the hub
 * says the store can (channel_state.bridge); the provider's refusal is shown as it came.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { formatPhone } from "./phone-number.js";

const TEXT = {
  // `to` is where the provider rings first: the ambassador's own phone.
  ringing: (to, client) => {
    const values = { to, client: client || t("call.theClient") };
    return to ? t("call.ringingNumber", values) : t("call.ringing", values);
  },
};
const AGAIN_AFTER_MS = 20000; // one ring at a time: the button waits before a second call

/** Returns {button, feedback: [status, error], show(conversationId, available, client)}. */
export function callBridge() {
  const start = button(t("call.bridge"), "button button-outline", "call-card-bridge");
  const status = el("p", {
    className: "call-bridge-status",
    attrs: { role: "status", "data-testid": "call-card-bridge-status" },
  });
  const error = el("p", {
    className: "form-error call-bridge-error",
    attrs: { role: "alert", "data-testid": "call-card-bridge-error" },
  });
  const current = { conversationId: null, client: "", busy: false, timer: null };
  status.hidden = true;
  error.hidden = true;

  function settle() {
    clearTimeout(current.timer);
    current.busy = false;
    start.disabled = false;
    start.textContent = t("call.bridge");
  }

  async function call() {
    const conversationId = current.conversationId;
    if (!conversationId || current.busy) return;
    current.busy = true;
    start.disabled = true;
    start.textContent = t("call.calling");
    showText(status, "");
    showText(error, "");
    let answer;
    try {
      answer = await api("POST", `/api/conversations/${encodeURIComponent(conversationId)}/call`, {});
    } catch (err) {
      if (current.conversationId !== conversationId) return;
      settle();
      showText(error, err.message || t("call.bridgeFailed"));
      return;
    }
    if (current.conversationId !== conversationId) return;
    const placed = (answer && answer.call) || {};
    start.textContent = t("call.bridge");
    showText(status, TEXT.ringing(formatPhone(placed.to), current.client));
    current.timer = setTimeout(settle, AGAIN_AFTER_MS);
  }

  start.addEventListener("click", call);

  return {
    button: start,
    feedback: [status, error],
    /** client: the client's number as shown, for the line once the ambassador's phone rings. */
    show(conversationId, available, client = "") {
      current.client = client;
      if (conversationId !== current.conversationId) {
        settle();
        showText(status, "");
        showText(error, "");
      }
      current.conversationId = conversationId;
      start.hidden = !available;
      if (!available) {
        showText(status, "");
        showText(error, "");
      }
    },
  };
}
