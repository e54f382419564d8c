/** How the console names a conversation's channel ("wechat" reads "WeChat"). */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const LABELS = {
  webchat: () => t("channel.webchat"),
  wechat: () => t("channel.wechat"),
  email: () => t("channel.email"),
  voice: () => t("channel.voice"),
  contact: () => t("channel.contact"),
  callback: () => t("callback.request"),
};

export const channelLabel = (channel) => (LABELS[channel] ? LABELS[channel]() : channel || "");

/**
 * The badge in the conversation header; data-channel lets the stylesheet colour WeChat's and
 * e-mail's. A detail (the client's e-mail address) follows the name: "E-mail · anna@…".
 */
export function renderChannelBadge(node, channel, detail = "") {
  node.textContent = channelLabel(channel);
  node.dataset.channel = channel || "";
  if (detail) node.append(" \u00b7 ", el("span", { className: "channel-detail", text: detail }));
}
