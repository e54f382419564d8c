/**
 * The invitation's two public calls. The token goes in the body only (never in a URL the
 * server logs); accepting sets the console's session cookies, so the page may go on to it.
 */
import { postJson } from "../shared/post-json.js";

/** { status, data }; accepting's answer sets the session cookies, so same-origin. */
const post = (path, body) => postJson(path, body, { credentials: "same-origin" });

/** Whom the link invites: { email, name, stores: [{ code, name }] }. */
export function lookUp(token) {
  return post("/api/invitations/lookup", { token });
}

/** Chooses the password and signs in: { token, staff }. */
export function accept(token, password) {
  return post("/api/invitations/accept", { token, password });
}
