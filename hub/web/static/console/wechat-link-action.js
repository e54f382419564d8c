/**
 * "Send link to connect profile" in a WeChat conversation: the hub sends the client a link
 * where they prove an e-mail address, which connects their WeChat to the profile that has it.
 * The link goes out as one of our replies, so it shows in the timeline like any other.
 */
import { t } from "../shared/i18n.js";
import { newClientId } from "../shared/ids.js";
import { api } from "./api.js";
import { showConversationError } from "./conversation-pane.js";
import { repliesAllowed } from "./composer-gate.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { onMessage } from "./live-events.js";
import { announce, toast } from "./notices.js";
import { sessionEnded } from "./session.js";
import { state } from "./state.js";
import { noteRefusal } from "./wechat-window-panel.js";

let sending = null; // the conversation id a link is on its way for

/** Shown for WeChat conversations; usable while the conversation is ours and replies can go. */
export function renderLinkAction(conversation, repliesBlocked) {
  const wechat = Boolean(conversation && conversation.channel === "wechat");
  dom.wechatLink.hidden = !wechat;
  dom.wechatLink.disabled = !wechat || conversation.status !== "assigned" || repliesBlocked || sending !== null;
  dom.wechatLink.setAttribute("aria-busy", sending !== null && conversation && sending === conversation.id ? "true" : "false");
}

function renderForSelected() {
  const conversation = state.conversations.get(state.selectedId);
  if (conversation) renderLinkAction(conversation, !repliesAllowed());
}

async function sendProfileLink() {
  const conversationId = state.selectedId;
  if (!conversationId || sending !== null) return;
  sending = conversationId;
  renderForSelected();
  showConversationError("");
  announce(t("wechat.linkSending"));
  try {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/wechat-link`;
    const data = await api("POST", path, { client_id: newClientId() });
    if (data && data.message) onMessage(data.message);
    const conversation = state.conversations.get(conversationId);
    toast(t("wechat.linkSent", { name: customerName(conversation && conversation.customer) }));
  } catch (err) {
    if (err.status === 401) sessionEnded();
    else if (!noteRefusal(conversationId, err.details) && conversationId === state.selectedId) {
      showConversationError(t("wechat.linkFailed", { reason: err.message }));
    }
  } finally {
    sending = null;
    renderForSelected();
  }
}

export function wireWechatLink() {
  dom.wechatLink.addEventListener("click", sendProfileLink);
}
