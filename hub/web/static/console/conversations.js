/** "My conversations": the list in the sidebar, newest activity first, with unread dots. */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { unreadBadge, updateTitle } from "./attention.js";
import { channelLabel } from "./channels.js";
import { selectConversation } from "./conversation-pane.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { reportApiFailure } from "./session.js";
import { state } from "./state.js";

/** Merges what we learnt about a conversation into what we knew; returns the merged one. */
export function upsertConversation(conversation) {
  if (!conversation || !conversation.id) return null;
  const previous = state.conversations.get(conversation.id) || { unread: 0 };
  const merged = { ...previous, ...conversation };
  if (!conversation.customer) merged.customer = previous.customer;
  // Event and ack payloads carry last_message: null; keep the preview we already have.
  if (!conversation.last_message && previous.last_message) merged.last_message = previous.last_message;
  state.conversations.set(conversation.id, merged);
  return merged;
}

export async function loadConversations() {
  let data;
  try {
    data = await api("GET", "/api/conversations?status=open");
  } catch (err) {
    reportApiFailure(err);
    return;
  }
  if (!state.staff) return; // logged out meanwhile
  const fresh = new Map();
  for (const conversation of data.conversations || []) {
    const previous = state.conversations.get(conversation.id);
    // What only this console knows (a colleague's transfer note) survives a reload; the
    // unread count is the hub's (console/attention-reads.js).
    const kept = previous ? { transfer_note: previous.transfer_note } : {};
    fresh.set(conversation.id, { ...kept, ...conversation });
  }
  // The open conversation stays listed even if it was closed meanwhile, so the page is stable.
  const selected = state.conversations.get(state.selectedId);
  if (selected && !fresh.has(selected.id)) fresh.set(selected.id, selected);
  state.conversations = fresh;
  renderConversationList();
}

/** A message for a conversation we do not know: refetch the list once things settle. */
export function scheduleListRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(loadConversations, 300);
}

function sortedConversations() {
  const stamp = (c) => Date.parse(c.updated_at || (c.last_message && c.last_message.created_at) || 0) || 0;
  return Array.from(state.conversations.values()).sort((a, b) => stamp(b) - stamp(a));
}

function previewText(conversation) {
  const last = conversation.last_message;
  if (!last) return t("conversations.noMessages");
  // Text may be empty only when the message carries files (web chat attachments).
  const whole = (last.text || "").replace(/\s+/g, " ").trim() || t("conversations.fileOnly");
  const text = whole.length > 90 ? `${whole.slice(0, 90)}\u2026` : whole;
  return last.author && last.author.kind === "ambassador" ? t("conversations.fromYou", { text }) : text;
}

function renderConversationItem(conversation) {
  const selected = conversation.id === state.selectedId;
  const closed = conversation.status === "closed";
  const button = el(
    "button",
    {
      className: "conv-item",
      attrs: {
        type: "button",
        "data-testid": "conversation-item",
        "data-conversation-id": conversation.id,
        "data-unread": Number(conversation.unread) > 0 ? "true" : "false",
        "data-status": conversation.status,
        "aria-current": selected ? "true" : undefined,
      },
    },
    [
      el("span", { className: "conv-item-top" }, [
        el("span", { className: "conv-item-name", text: customerName(conversation.customer) }),
        el("span", { className: "conv-item-channel", text: channelLabel(conversation.channel) }),
      ]),
      el("span", { className: "conv-item-preview", text: previewText(conversation) }),
      closed ? el("span", { className: "conv-item-closed", text: t("conversations.closed") }) : null,
      unreadBadge(conversation), // how many customer messages we have not seen (attention-reads.js)
    ],
  );
  button.addEventListener("click", () => selectConversation(conversation.id));
  return el("li", { className: selected ? "is-selected" : "" }, [button]);
}

/** Rebuilds the (short) list; focus is restored so keyboard users do not lose their place. */
export function renderConversationList() {
  const focusedId = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.conversationId
    : undefined;
  const items = sortedConversations().map(renderConversationItem);
  dom.conversationList.replaceChildren(...items);
  dom.conversationsEmpty.hidden = items.length > 0;
  if (focusedId) focusConversationItem(focusedId);
  updateTitle();
}

export function focusConversationItem(id) {
  const button = Array.from(dom.conversationList.querySelectorAll("button.conv-item")).find(
    (b) => b.dataset.conversationId === id,
  );
  if (button) button.focus();
}

/** Conversations closed while not open are dropped: the list shows open ones only. */
export function pruneClosed() {
  for (const [id, conversation] of state.conversations) {
    if (conversation.status === "closed" && id !== state.selectedId) state.conversations.delete(id);
  }
}

/** The list preview follows the newest message we have seen, wherever it came from. */
export function updatePreviewFrom(conversation, messages) {
  const newest = messages.reduce((a, m) => (!a || m.seq > a.seq ? m : a), null);
  if (!conversation || !newest || (conversation.last_message && newest.seq < conversation.last_seq)) return;
  conversation.last_message = { text: newest.text, created_at: newest.created_at, author: newest.author };
  conversation.last_seq = newest.seq;
  renderConversationList();
}
