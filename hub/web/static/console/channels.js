/** How the console names a conversation's channel ("wechat" reads "WeChat"). */
import { el } from "../shared/dom.js";

const LABELS = {
  webchat: "Web chat",
  wechat: "WeChat",
  email: "E-mail",
  voice: "Phone",
  contact: "Contact form",
  callback: "Callback request",
};

export const channelLabel = (channel) => LABELS[channel] || channel || "";

/**
 * The badge in the conversation header; data-channel lets the stylesheet colour WeChat's and
 * e-mail's. A detail (the client's e-mail address) follows the name: "E-mail · anna@…".
 */
export function renderChannelBadge(node, channel, detail = "") {
  node.textContent = channelLabel(channel);
  node.dataset.channel = channel || "";
  if (detail) node.append(" \u00b7 ", el("span", { className: "channel-detail", text: detail }));
}
