/**
 * Whether one of our replies reached a channel that delivers through a job (WeChat): the hub
 * stores the reply first, then a job sends it and records the channel's answer. Web chat
 * replies carry no delivery state: storing them is delivering them.
 */
import { channelLabel } from "./channels.js";

const NONE = { status: "", label: "", error: "" };

/** {status, label for the meta line, error line text} for a confirmed message. */
export function deliveryOf(message) {
  const delivery = message && message.delivery;
  if (!delivery || !delivery.status) return NONE;
  const channel = channelLabel(message.channel) || "the channel";
  if (delivery.status === "failed") {
    const reason = delivery.error || `${channel} did not accept it.`;
    return { status: "failed", label: "Not delivered", error: `Not delivered: ${reason}` };
  }
  if (delivery.status === "pending") return { status: "pending", label: `Sending to ${channel}\u2026`, error: "" };
  return { status: "sent", label: `Sent to ${channel}`, error: "" };
}

/** What a reply we just stored looks like until the job tells us more. */
export function initialDelivery(channel) {
  return channel && channel !== "webchat" ? { status: "pending", error: null } : undefined;
}
