/** How the console names a conversation's channel ("wechat" reads "WeChat"). */

const LABELS = {
  webchat: "Web chat",
  wechat: "WeChat",
  email: "E-mail",
  voice: "Phone",
  contact: "Contact form",
  callback: "Callback request",
};

export const channelLabel = (channel) => LABELS[channel] || channel || "";

/** The badge in the conversation header; data-channel lets the stylesheet colour WeChat's. */
export function renderChannelBadge(node, channel) {
  node.textContent = channelLabel(channel);
  node.dataset.channel = channel || "";
}
