/**
 * Customers' names for lists that only carry an id (a calendar line booked from a chat has
 * no contact name): what the console already knows, else the profile, fetched once each.
 */
import { api } from "./api.js";
import { state } from "./state.js";

const known = new Map(); // customer id -> name
const asked = new Map(); // customer id -> promise of a name (or null)

/** The name if known now (from an open conversation or an earlier fetch), else "". */
export function knownName(customerId, conversationId) {
  const conversation = conversationId ? state.conversations.get(conversationId) : null;
  if (conversation && conversation.customer && conversation.customer.name) return conversation.customer.name;
  return known.get(customerId) || "";
}

/** Resolves to the name (or null when it cannot be read); one request per customer. */
export function fetchName(customerId) {
  if (!customerId) return Promise.resolve(null);
  if (known.has(customerId)) return Promise.resolve(known.get(customerId));
  if (!asked.has(customerId)) {
    const request = api("GET", `/api/customers/${encodeURIComponent(customerId)}`)
      .then((profile) => {
        const name = (profile && profile.name) || null;
        if (name) known.set(customerId, name);
        return name;
      })
      .catch((err) => {
        if (err.status !== 404) asked.delete(customerId); // a passing failure: ask again next time
        return null;
      });
    asked.set(customerId, request);
  }
  return asked.get(customerId);
}

/** Signed out: the names go with the session. */
export function forgetNames() {
  known.clear();
  asked.clear();
}
