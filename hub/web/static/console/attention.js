/**
 * Attention (issue #12): what keeps an ambassador on the right conversations all day.
 * - attention-alerts.js: a notification and a chime for a new offer while the tab is in
 *   the background, the sound toggle, the count in the tab's title;
 * - attention-reads.js: unread counts per conversation, kept by the hub, read on screen;
 * - attention-search.js: searching every conversation of the caller's boutiques;
 * - attention-tags.js: tags in the conversation's header;
 * - attention-close.js: the outcome asked on close.
 * The rest of the console calls the hooks exported here.
 */
import { alertNewOffer, resetAlerts, updateTitle, wireAlerts } from "./attention-alerts.js";
import { renderOutcome, resetCloseOutcome, wireCloseOutcome } from "./attention-close.js";
import { applyReadMark, countIncoming, readSelected, resetReads, unreadBadge, wireReads } from "./attention-reads.js";
import { resetConversationSearch, wireConversationSearch } from "./attention-search.js";
import { renderTags, resetTags, settleTags, wireTags } from "./attention-tags.js";
import { renderConversationList, upsertConversation } from "./conversations.js";
import { state } from "./state.js";

export { alertNewOffer, countIncoming, readSelected, unreadBadge, updateTitle };

/** Once, when the page loads: listeners on the page's own elements. */
export function wireAttention() {
  wireAlerts();
  wireReads();
  wireConversationSearch();
  wireTags();
  wireCloseOutcome();
}

/** After sign-in (state.staff is known). */
export function setupAttention() {
  updateTitle();
}

/** On sign-out: forget everything of the last session. */
export function resetAttention() {
  resetConversationSearch();
  resetTags();
  resetCloseOutcome();
  resetReads();
  resetAlerts();
}

/** The conversation header was drawn (null: none open): its tags and its outcome. */
export function renderAttention(conversation) {
  renderTags(conversation);
  renderOutcome(conversation);
}

/** `conversation_updated {conversation: {id, tags, …}}`: a colleague changed it. */
export function onConversationUpdated(payload) {
  const changes = payload && payload.conversation;
  if (!changes || !changes.id || !state.conversations.has(changes.id)) return;
  if (Array.isArray(changes.tags)) settleTags(changes.id, changes.tags);
  const merged = upsertConversation(changes);
  renderConversationList();
  if (merged && merged.id === state.selectedId) renderAttention(merged);
}

/** `conversation_read`: another tab of ours read a conversation. */
export function onConversationRead(payload) {
  applyReadMark(payload);
}
