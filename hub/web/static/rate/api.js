/**
 * The rating page's two calls. The token goes only in a POST body: never in a URL, so no
 * server or proxy log keeps it. Every answer is { status, data } (status 0: unreachable).
 */
import { postJson } from "../shared/post-json.js";

/** What the link asks: {kind, scale, store, language, answered, answer}. */
export const lookup = (token) => postJson("/api/feedback/lookup", { token });

/** The answer; the first one is kept (409 already_answered after it). */
export function answer(token, score, comment) {
  const body = { token, score };
  if (comment) body.comment = comment;
  return postJson("/api/feedback", body);
}
