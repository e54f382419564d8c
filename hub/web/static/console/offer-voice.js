/**
 * What an offer for a phone conversation says: a callback request (its topic, the number and
 * the shopper's window, in their zone and ours) or a caller on the line ("Incoming call from
 * …", a screen pop with the profile above it). Empty and hidden for other channels.
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { tryLabel, windowLines } from "./callback-text.js";
import { formatPhone } from "./phone-number.js";

const incoming = (number) => (number ? t("offers.incomingFrom", { number }) : t("call.incoming"));

export function createOfferVoice() {
  const kind = el("p", { className: "offer-voice-kind", attrs: { "data-testid": "offer-voice-kind" } });
  const topic = el("p", { className: "offer-voice-topic", attrs: { "data-testid": "offer-voice-topic" } });
  const number = el("p", { className: "offer-voice-number", attrs: { "data-testid": "offer-voice-number" } });
  const window = el("ul", { className: "offer-voice-window", attrs: { "data-testid": "offer-voice-window" } });
  const box = el("div", { className: "offer-voice" }, [kind, topic, number, window]);
  box.hidden = true;
  return { el: box, kind, topic, number, window };
}

/** Returns the offer's kind for the card's class: "callback", "call", "phone" or "". */
export function fillOfferVoice(parts, offer) {
  const conversation = offer.conversation || {};
  const voice = offer.voice || null;
  const callback = voice && voice.callback;
  const call = voice && voice.call;
  let kind = "";
  if (call) kind = "call";
  else if (callback) kind = "callback";
  else if (conversation.channel === "voice") kind = "phone";
  parts.el.hidden = !kind;
  parts.el.dataset.kind = kind;
  if (!kind) return "";
  const request = t("callback.request");
  if (kind === "call") parts.kind.textContent = incoming(formatPhone(call.from));
  else if (kind === "phone") parts.kind.textContent = t("call.phone");
  // A callback coming back after a try nobody answered says which try this is.
  else parts.kind.textContent = callback.attempts > 0 ? `${request} \u00b7 ${tryLabel(callback)}` : request;
  const topic = callback && typeof callback.topic === "string" ? callback.topic.trim() : "";
  showText(parts.topic, topic ? t("offers.topic", { topic }) : "");
  const number = kind === "callback" ? formatPhone(callback.phone) : "";
  showText(parts.number, number ? t("offers.number", { number }) : "");
  const lines = kind === "callback" ? windowLines(callback.window) : [];
  parts.window.replaceChildren(...lines.map((text) => el("li", { text })));
  parts.window.hidden = lines.length === 0;
  return kind;
}
