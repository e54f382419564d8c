/**
 * Opened from the chat (?conversation=<id>), the booking joins that conversation when this
 * browser holds the chat's visitor token, which proves whose conversation it is.
 */
import { getToken } from "../widget/storage.js";

let dropped = false;

/** {conversation_id, visitor_token} to send with the booking, or {}. */
export function conversationClaim() {
  if (dropped) return {};
  const id = new URLSearchParams(window.location.search).get("conversation");
  const token = id ? getToken() : null;
  return id && token ? { conversation_id: id, visitor_token: token } : {};
}

/** The hub did not recognise it (another browser's, or gone): book without it. */
export function dropConversation() {
  dropped = true;
}
