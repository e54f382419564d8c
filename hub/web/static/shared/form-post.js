/**
 * Posting an anonymous form to the hub (the contact form, a callback request). One client_id
 * per request the shopper means to send: kept while no answer came back (the hub may have
 * stored it before the connection dropped), so sending again cannot store it twice; a fresh
 * one once the hub has answered, since it then either kept the request or refused it whole.
 */
import { newClientId } from "./ids.js";

async function readJson(response) {
  return response.json().catch(() => null);
}

/**
 * A sender for one URL. send(body) answers {outcome: "sent", data} · {outcome: "invalid",
 * field, message, code} (4xx: nothing stored) · {outcome: "busy"} (429) · {outcome:
 * "offline"} (no answer, or the hub failing).
 */
export function formSender(url) {
  let clientId = null;
  return async function send(body) {
    clientId = clientId || newClientId();
    let response;
    try {
      response = await fetch(url, {
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
    const data = await readJson(response);
    if (response.ok) return { outcome: "sent", data: data || {} };
    if (response.status === 429) return { outcome: "busy" };
    const error = (data && data.error) || {};
    return { outcome: "invalid", field: error.field || "", message: error.message || "", code: error.code || "" };
  };
}
