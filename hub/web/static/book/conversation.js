/**
 * Opened from a conversation (?conversation=<id>), the booking joins it when this browser
 * can prove whose conversation it is: the web chat's visitor token in this browser, or the
 * proof a proposal link carried in its fragment (#proof=…, WeChat and other channels,
 * where the link opens in a browser that holds no token).
 */
import { getToken } from "../widget/storage.js";

let dropped = false;

function proofFromLink() {
  const hash = window.location.hash.replace(/^#/, "");
  return new URLSearchParams(hash).get("proof");
}

/** {conversation_id, visitor_token | conversation_proof} to send with the booking, or {}. */
export function conversationClaim() {
  if (dropped) return {};
  const id = new URLSearchParams(window.location.search).get("conversation");
  if (!id) return {};
  const proof = proofFromLink();
  if (proof) return { conversation_id: id, conversation_proof: proof };
  const token = getToken();
  return token ? { conversation_id: id, visitor_token: token } : {};
}

/** The hub did not recognise it (another browser's, or gone): book without it. */
export function dropConversation() {
  dropped = true;
}
