/**
 * The open conversation's timeline: confirmed messages ordered by seq, then our replies still
 * pending (sending, waiting for the connection, or failed) in the order they were written.
 * Entries are keyed "m:<message id>" or "p:<client_id>" in state.entries.
 */
import { t } from "../shared/i18n.js";
import { orderedList, isNearBottom, scrollToBottom } from "../shared/message-list.js";
import { messageRows } from "../shared/message-row.js";
import { deliveryOf } from "./delivery-state.js";
import { dom } from "./elements.js";
import { formatStamp } from "./formats.js";
import { renderMessageContent } from "./message-content.js";
import { freshestCopy } from "./message-freshness.js";
import { isConnected } from "./socket.js";
import { state } from "./state.js";

const timelineList = orderedList(dom.timeline);
const rows = messageRows({
  prefix: "tl",
  testid: "timeline-message",
  errorClass: "form-error tl-error",
  errorTestid: "reply-error",
});

export function resetTimeline() {
  state.messages.clear();
  state.entries.clear();
  state.timelineLoaded = false;
  timelineList.clear();
}

export function scrollTimeline(force) {
  scrollToBottom(dom.timeline, force);
}

function fillMessage(entry, message) {
  const kind = (message.author && message.author.kind) || "system";
  const delivery = deliveryOf(message);
  rows.fill(entry, {
    kind,
    name: message.author && message.author.name,
    text: message.text,
    seq: message.seq,
    status: delivery.status === "failed" ? "failed" : "sent",
    meta: [formatStamp(message.created_at), delivery.label].filter(Boolean).join(" \u00b7 "),
    error: delivery.error,
  });
  entry.bubble.dataset.delivery = delivery.status;
  renderMessageContent(entry.bubble, message); // proposals, files, places and links
  entry.key = [0, Number(message.seq) || 0];
}

function fillPending(entry, item) {
  const failed = item.status === "failed";
  rows.fill(entry, {
    kind: "ambassador",
    name: state.staff && state.staff.name,
    text: item.text,
    status: failed ? "failed" : "pending",
    meta: failed ? t("timeline.notSent") : isConnected() ? t("timeline.sending") : t("timeline.waitingForConnection"),
    error: failed ? item.error : "",
  });
  if (item.attachments) {
    // Our files on their way: shown as they will be once stored (the upload is done).
    const data = { attachments: item.attachments.map((a) => ({ ...a, status: "ready" })) };
    renderMessageContent(entry.bubble, { text: item.text, channel: "webchat", data });
  }
  entry.key = [1, item.created_ms];
}

/** The highest seq in the open timeline; a live message beyond the next one means a gap. */
export function highestSeq() {
  let max = 0;
  for (const message of state.messages.values()) max = Math.max(max, Number(message.seq) || 0);
  return max;
}

/** Adds or updates a confirmed message in the open timeline (de-duplicated by id). */
export function addTimelineMessage(incoming) {
  if (!incoming || !incoming.id || incoming.conversation_id !== state.selectedId) return;
  const wasNearBottom = isNearBottom(dom.timeline);
  const message = freshestCopy(state.messages.get(incoming.id), incoming);
  state.messages.set(message.id, message);
  const key = `m:${message.id}`;
  let entry = state.entries.get(key);
  if (!entry && message.client_id && state.entries.has(`p:${message.client_id}`)) {
    // Defensive: if the hub echoes our client_id, the pending bubble becomes this message.
    entry = state.entries.get(`p:${message.client_id}`);
    state.entries.delete(`p:${message.client_id}`);
    state.pending.delete(message.client_id);
  }
  if (!entry) entry = rows.create("system");
  fillMessage(entry, message);
  state.entries.set(key, entry);
  timelineList.place(entry);
  scrollTimeline(wasNearBottom);
}

/** Shows (or updates) a reply of ours that the hub has not acknowledged. */
export function renderPending(item) {
  if (item.conversation_id !== state.selectedId) return;
  const key = `p:${item.client_id}`;
  let entry = state.entries.get(key);
  if (!entry) {
    entry = rows.create("ambassador");
    state.entries.set(key, entry);
  }
  fillPending(entry, item);
  timelineList.place(entry);
  scrollTimeline(true);
}

/** A reply the hub refused without storing it: its bubble goes (the text goes back to the composer). */
export function dropPendingEntry(clientId) {
  const entry = state.entries.get(`p:${clientId}`);
  if (!entry) return;
  state.entries.delete(`p:${clientId}`);
  timelineList.remove(entry);
}

export function renderPendingForSelected() {
  for (const item of state.pending.values()) renderPending(item);
}

/** Turns the pending bubble into the confirmed one, or drops it if the broadcast won. */
export function settlePendingEntry(item, message) {
  const pendingKey = `p:${item.client_id}`;
  const entry = state.entries.get(pendingKey);
  if (!entry) return;
  state.entries.delete(pendingKey);
  if (state.entries.has(`m:${message.id}`)) {
    timelineList.remove(entry);
    return;
  }
  state.messages.set(message.id, message);
  fillMessage(entry, message);
  state.entries.set(`m:${message.id}`, entry);
  timelineList.place(entry);
}
