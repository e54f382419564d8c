/**
 * Sending the form to the hub's POST /api/contact. One client_id per message the shopper
 * means to send: kept while no answer came back (the hub may have stored the message before
 * the connection dropped), so sending again cannot store it twice; a fresh one once the hub
 * has answered, since it then either kept the message or refused it whole.
 */
import { newClientId } from "../shared/ids.js";

let clientId = null;

async function readError(response) {
  const data = await response.json().catch(() => null);
  return (data && data.error) || {};
}

/**
 * {outcome: "sent", conversationId} · {outcome: "invalid", field, message} (400: nothing
 * stored) · {outcome: "busy"} (429) · {outcome: "offline"} (no answer, or the hub failing).
 */
export async function sendContact(body) {
  clientId = clientId || newClientId();
  let response;
  try {
    response = await fetch("/api/contact", {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, client_id: clientId }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (_err) {
    return { outcome: "offline" };
  }
  if (response.status >= 500) return { outcome: "offline" };
  clientId = null;
  if (response.ok) {
    const data = await response.json().catch(() => null);
    return { outcome: "sent", conversationId: data && data.conversation_id };
  }
  if (response.status === 429) return { outcome: "busy" };
  const error = await readError(response);
  return { outcome: "invalid", field: error.field || "", message: error.message || "" };
}
