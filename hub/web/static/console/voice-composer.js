/**
 * The composer of a phone conversation: a reply goes to the client by text message when the
 * store's number can send one (channel_state.sms), and the line above the composer says so;
 * otherwise the composer is closed and the line says why. Other channels are left alone
 * (wechat-window-panel.js and email-thread.js have had their say by now).
 */
import { dom } from "./elements.js";
import { formatPhone } from "./phone-number.js";
import { voiceState } from "./voice-state.js";

const TEXT = {
  bySms: (number) => `Your reply goes by text message to ${number}.`,
  noNumber:
    "Replies cannot be sent here: there is no number to text for this client. Call them, or record the outcome above.",
  noSms: "Replies cannot be sent here: this boutique\u2019s number cannot send text messages. Call the client instead.",
  placeholderSms: "Write a text message\u2026",
  placeholderClosed: "No text messages for this conversation",
};

export function renderVoiceComposer(conversation) {
  delete dom.replyVia.dataset.tone;
  if (!conversation || conversation.channel !== "voice") return;
  const voice = voiceState(conversation.id);
  if (!voice || !voice.fromHub) return; // until the hub says, the composer stays as it is
  const closed = conversation.status === "closed";
  const phone = voice.phone || (voice.callback && voice.callback.phone) || "";
  const sms = voice.sms && Boolean(phone);
  dom.replyInput.disabled = closed || !sms;
  dom.replySend.disabled = closed || !sms;
  dom.replyInput.placeholder = sms ? TEXT.placeholderSms : TEXT.placeholderClosed;
  dom.replyVia.textContent = sms ? TEXT.bySms(formatPhone(phone)) : phone ? TEXT.noSms : TEXT.noNumber;
  dom.replyVia.dataset.tone = sms ? "" : "closed";
  dom.replyVia.hidden = closed;
}
