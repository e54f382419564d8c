/**
 * Whether one of our replies reached a channel that delivers through a job (WeChat, e-mail):
 * the hub stores the reply first, then a job sends it and records the channel's answer. Web
 * chat replies carry no delivery state: storing them is delivering them.
 */
import { channelLabel } from "./channels.js";

const NONE = { status: "", label: "", error: "" };

/** Each channel's words for the three states; others read "Sending to <channel>…". */
const WORDS = {
  email: { pending: "Sending e-mail\u2026", sent: "E-mail sent", refused: "the mail server did not accept it." },
};

function wordsFor(channel) {
  if (WORDS[channel]) return WORDS[channel];
  const name = channelLabel(channel) || "the channel";
  return { pending: `Sending to ${name}\u2026`, sent: `Sent to ${name}`, refused: `${name} did not accept it.` };
}

/** {status, label for the meta line, error line text} for a confirmed message. */
export function deliveryOf(message) {
  const delivery = message && message.delivery;
  if (!delivery || !delivery.status) return NONE;
  const words = wordsFor(message.channel);
  if (delivery.status === "failed") {
    return { status: "failed", label: "Not delivered", error: `Not delivered: ${delivery.error || words.refused}` };
  }
  if (delivery.status === "pending") return { status: "pending", label: words.pending, error: "" };
  return { status: "sent", label: words.sent, error: "" };
}

/** What a reply we just stored looks like until the job tells us more. */
export function initialDelivery(channel) {
  return channel && channel !== "webchat" ? { status: "pending", error: null } : undefined;
}
