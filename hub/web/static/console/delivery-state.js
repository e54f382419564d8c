/**
 * Whether one of our replies reached a channel that delivers through a job (WeChat, e-mail):
 * the hub stores the reply first, then a job sends it and records the channel's answer. Web
 * chat replies carry no delivery state: storing them is delivering them.
 */
import { t } from "../shared/i18n.js";
import { channelLabel } from "./channels.js";

const NONE = { status: "", label: "", error: "" };

/** Each channel's words for the three states; others read "Sending to <channel>…". */
function wordsFor(channel) {
  if (channel === "email") {
    return { pending: t("delivery.email.pending"), sent: t("delivery.email.sent"), refused: t("delivery.email.refused") };
  }
  const name = channelLabel(channel) || t("delivery.theChannel");
  return {
    pending: t("delivery.pending", { channel: name }),
    sent: t("delivery.sent", { channel: name }),
    refused: t("delivery.refused", { channel: name }),
  };
}

/** {status, label for the meta line, error line text} for a confirmed message. */
export function deliveryOf(message) {
  const delivery = message && message.delivery;
  if (!delivery || !delivery.status) return NONE;
  const words = wordsFor(message.channel);
  if (delivery.status === "failed") {
    const reason = delivery.error || words.refused;
    return { status: "failed", label: t("delivery.notDelivered"), error: t("delivery.notDeliveredBecause", { reason }) };
  }
  if (delivery.status === "pending") return { status: "pending", label: words.pending, error: "" };
  return { status: "sent", label: words.sent, error: "" };
}

/** What a reply we just stored looks like until the job tells us more. */
export function initialDelivery(channel) {
  return channel && channel !== "webchat" ? { status: "pending", error: null } : undefined;
}
