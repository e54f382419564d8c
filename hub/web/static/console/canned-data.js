/**
 * The canned replies the signed-in ambassador may use (GET /api/canned-replies), kept for the
 * session and fetched again after a change or once they are a minute old; and how the "/" menu
 * picks and orders them: the conversation's language first, then the others, each by how well
 * the typed words match (shortcut, then title, then text).
 */
import { api } from "./api.js";

const FRESH_MS = 60_000;
const store = { replies: [], loadedAt: 0, loading: null, generation: 0 };

/** "Écrin" and "ecrin" alike: accents and case do not matter when searching. */
export function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLocaleLowerCase();
}

export function cannedReplies() {
  return store.replies;
}

/** The replies, fetched when never fetched or stale (force: fetch now). */
export function loadCannedReplies(force = false) {
  if (!force && store.loading) return store.loading;
  if (!force && store.loadedAt && Date.now() - store.loadedAt < FRESH_MS) return Promise.resolve(store.replies);
  const generation = store.generation;
  const loading = api("GET", "/api/canned-replies").then(
    (body) => {
      if (generation !== store.generation) return store.replies; // signed out meanwhile
      store.replies = Array.isArray(body && body.replies) ? body.replies : [];
      store.loadedAt = Date.now();
      return store.replies;
    },
    (err) => {
      if (store.loading === loading) store.loading = null;
      throw err;
    },
  );
  store.loading = loading;
  loading.finally(() => {
    if (store.loading === loading) store.loading = null;
  });
  return loading;
}

export function forgetCannedReplies() {
  store.replies = [];
  store.loadedAt = 0;
  store.loading = null;
  store.generation += 1;
}

/** How well a reply matches the typed query: lower is better, null is no match. */
function rank(reply, query) {
  if (!query) return 3;
  const shortcut = fold(reply.shortcut);
  const title = fold(reply.title);
  if (shortcut && shortcut === query) return 0;
  if ((shortcut && shortcut.startsWith(query)) || title.startsWith(query)) return 1;
  if (title.includes(query) || (shortcut && shortcut.includes(query))) return 2;
  return fold(reply.text).includes(query) ? 3 : null;
}

/** The replies for the "/" menu: matching `query`, the conversation's `language` first. */
export function matchingReplies(replies, query, language, limit = 8) {
  const wanted = fold(query).trim();
  const scored = [];
  for (const reply of replies) {
    const score = rank(reply, wanted);
    if (score === null) continue;
    scored.push({ reply, other: reply.language === language ? 0 : 1, score });
  }
  scored.sort(
    (a, b) =>
      a.other - b.other ||
      a.score - b.score ||
      fold(a.reply.title).localeCompare(fold(b.reply.title)) ||
      String(a.reply.id).localeCompare(String(b.reply.id)),
  );
  return scored.slice(0, limit).map((item) => item.reply);
}
