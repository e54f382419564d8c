/**
 * The composer of a phone conversation: a reply goes to the client by text message when the
 * store's number can send one (channel_state.sms), and the line above the composer says so;
 * otherwise the composer is closed and the line says why. Other channels are left alone
 * (wechat-window-panel.js and email-thread.js have had their say by now).
 */
import { t } from "../shared/i18n.js";
import { dom } from "./elements.js";
import { formatPhone } from "./phone-number.js";
import { voiceState } from "./voice-state.js";
import { setReplyGate } from "./composer-gate.js";

function viaLine(sms, phone) {
  if (sms) return t("sms.bySms", { number: formatPhone(phone) });
  return phone ? t("sms.noSms") : t("sms.noNumber");
}

export function renderVoiceComposer(conversation) {
  delete dom.replyVia.dataset.tone;
  if (!conversation || conversation.channel !== "voice") return;
  const voice = voiceState(conversation.id);
  if (!voice || !voice.fromHub) return; // until the hub says, the composer stays as it is
  const closed = conversation.status === "closed";
  const phone = voice.phone || (voice.callback && voice.callback.phone) || "";
  const sms = voice.sms && Boolean(phone);
  setReplyGate(!closed && sms, sms ? t("sms.placeholder") : t("sms.placeholderClosed"));
  dom.replyVia.textContent = viaLine(sms, phone);
  dom.replyVia.dataset.tone = sms ? "" : "closed";
  dom.replyVia.hidden = closed;
}
