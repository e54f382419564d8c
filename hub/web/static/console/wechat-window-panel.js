/**
 * Beside the composer of a WeChat conversation: until when a reply can go out, a warning when
 * that is soon, and once it cannot (window closed, unfollowed, or a reply refused) a closed
 * composer with the reason and the other ways to reach the client. The hub's channel_state
 * is fetched with the timeline and again after each message from the client.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { dom } from "./elements.js";
import { state } from "./state.js";
import { highestSeq } from "./timeline.js";
import { renderLinkAction } from "./wechat-link-action.js";
import { WINDOW_MS, refusalReason, windowView } from "./wechat-window.js";
import { setReplyGate } from "./composer-gate.js";

const ALTERNATIVES = {
  email: { lead: () => t("wechat.reachByEmail"), scheme: "mailto:" },
  phone: { lead: () => t("wechat.reachByPhone"), scheme: "tel:" },
};

const windows = new Map(); // conversation id -> {wechat, refusal, alternatives}
let recheckTimer = null;
let refreshTicket = 0;

const alternativesOf = (wechat, fallback) =>
  wechat && Array.isArray(wechat.alternatives) ? wechat.alternatives : fallback || [];

/** The hub's channel_state for a conversation (null for channels without one). */
export function setChannelState(conversationId, channelState) {
  const wechat = channelState && channelState.wechat;
  if (!wechat) {
    windows.delete(conversationId);
    return;
  }
  const previous = windows.get(conversationId) || {};
  const open = Boolean(wechat.window && wechat.window.open);
  windows.set(conversationId, {
    wechat,
    refusal: open ? null : previous.refusal || null, // open again: the refusal is history
    alternatives: alternativesOf(wechat, previous.alternatives),
  });
}

/** The hub refused a reply (the ack's or a POST's error): say why, close the composer. */
export function noteRefusal(conversationId, error) {
  const reason = refusalReason(error);
  if (!reason) return false;
  const previous = windows.get(conversationId) || {};
  const wechat = previous.wechat || { subscribed: reason !== "unsubscribed", window: {} };
  windows.set(conversationId, {
    wechat: { ...wechat, window: { ...wechat.window, open: false, reason } },
    refusal: { reason, message: error.message || "" },
    alternatives: Array.isArray(error.alternatives) ? error.alternatives : previous.alternatives || [],
  });
  if (conversationId === state.selectedId) renderSelectedWindow();
  refreshChannelState(conversationId);
  return true;
}

/** A message from the client reopens the window for 48 hours (the hub confirms right after). */
export function noteClientMessage(message) {
  const known = windows.get(message.conversation_id);
  if (!known) return;
  const at = Date.parse(message.created_at);
  if (known.wechat.subscribed && !Number.isNaN(at)) {
    const closes = new Date(at + WINDOW_MS).toISOString();
    known.wechat = { ...known.wechat, window: { open: true, closes_at: closes, reason: null } };
    known.refusal = null;
  }
  if (message.conversation_id !== state.selectedId) return;
  renderSelectedWindow();
  refreshChannelState(message.conversation_id);
}

/** Asks the hub again; only the newest question's answer counts. */
export async function refreshChannelState(conversationId) {
  const ticket = ++refreshTicket;
  const after = conversationId === state.selectedId ? highestSeq() : 0;
  let data;
  try {
    data = await api("GET", `/api/conversations/${encodeURIComponent(conversationId)}?after_seq=${after}`);
  } catch (_err) {
    return; // what we show stays; the next message, reconnect or opening asks again
  }
  if (ticket !== refreshTicket || !state.staff) return;
  setChannelState(conversationId, data.channel_state);
  if (conversationId === state.selectedId) renderSelectedWindow();
}

function alternativeItem(alternative) {
  const known = ALTERNATIVES[alternative.channel];
  const value = String(alternative.value || "");
  if (!known) return el("li", { text: `${alternative.channel}: ${value}` });
  return el("li", {}, [
    document.createTextNode(`${known.lead()} `),
    el("a", { text: value, attrs: { href: `${known.scheme}${value}` } }),
  ]);
}

function fillPanel(view, nickname) {
  const parts = [];
  if (view.refused) parts.push(el("p", { className: "window-refused", text: view.refused, attrs: { role: "alert" } }));
  parts.push(el("p", { className: "window-headline", text: view.headline }));
  if (nickname) parts.push(el("p", { className: "window-nickname", text: t("wechat.nickname", { nickname }) }));
  for (const text of view.details) parts.push(el("p", { className: "window-detail", text }));
  if (view.alternatives.length) {
    parts.push(el("ul", { className: "window-alternatives" }, view.alternatives.map(alternativeItem)));
  }
  dom.channelState.replaceChildren(...parts);
  dom.channelState.dataset.tone = view.tone;
  dom.channelState.hidden = false;
}

function setComposer(closed, blocked) {
  setReplyGate(!(closed || blocked), blocked && !closed ? t("wechat.closed") : null);
}

/** The panel, the composer and the profile-link action for the conversation on screen. */
export function renderReplyGate(conversation) {
  clearTimeout(recheckTimer);
  const closed = !conversation || conversation.status === "closed";
  const known = conversation && conversation.channel === "wechat" ? windows.get(conversation.id) : null;
  if (!known) {
    dom.channelState.hidden = true;
    dom.channelState.replaceChildren();
    setComposer(closed, false);
    renderLinkAction(conversation, false);
    return;
  }
  const view = windowView(known.wechat, { refusal: known.refusal, alternatives: known.alternatives });
  const customer = conversation.customer || {};
  const nickname = known.wechat.nickname && known.wechat.nickname !== customer.name ? known.wechat.nickname : "";
  fillPanel(view, nickname);
  setComposer(closed, view.blocked);
  renderLinkAction(conversation, view.blocked);
  if (view.recheckMs !== null) recheckTimer = setTimeout(renderSelectedWindow, view.recheckMs);
}

function renderSelectedWindow() {
  if (!state.selectedId) return;
  renderReplyGate(state.conversations.get(state.selectedId) || { id: state.selectedId });
}

export function forgetChannelStates() {
  clearTimeout(recheckTimer);
  windows.clear();
  refreshTicket += 1;
}
