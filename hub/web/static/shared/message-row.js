/**
 * One message row of a conversation: an author line, the bubble (text only, the element tests
 * look for) and a meta line (time or delivery state), plus an error line while there is one.
 * The console ("tl-" classes) and the widget ("cw-" classes) differ only in names.
 */
import { el } from "./dom.js";

/**
 * prefix: class prefix; testid: the bubble's data-testid; errorClass and errorTestid: the
 * error line's classes and data-testid.
 */
export function messageRows({ prefix, testid, errorClass, errorTestid }) {
  const rowClass = (kind) => `${prefix}-row ${prefix}-row--${kind}`;

  /** A new, empty row for a message by kind ("customer", "ambassador" or "system"). */
  function create(kind) {
    const row = el("li", { className: rowClass(kind) });
    const author = el("p", { className: `${prefix}-author` });
    const bubble = el("div", {
      className: `${prefix}-bubble`,
      attrs: { "data-testid": testid, "data-author": kind },
    });
    const meta = el("p", { className: `${prefix}-meta` });
    row.append(author, bubble, meta);
    return { el: row, author, bubble, meta, error: null, key: null };
  }

  /** The error line exists only while there is an error, so it never matches when hidden. */
  function setError(entry, message) {
    if (!message) {
      if (entry.error) entry.error.remove();
      entry.error = null;
      return;
    }
    if (!entry.error) {
      entry.error = el("p", { className: errorClass, attrs: { "data-testid": errorTestid, role: "alert" } });
      entry.el.appendChild(entry.error);
    }
    entry.error.textContent = message;
  }

  /** Shows one state of a message; seq is left out for messages the hub has not stored yet. */
  function fill(entry, { kind, name, text, seq, status, meta, error }) {
    entry.el.className = rowClass(kind);
    entry.bubble.dataset.author = kind;
    if (seq !== undefined && seq !== null) entry.bubble.dataset.seq = String(seq);
    else delete entry.bubble.dataset.seq;
    entry.bubble.dataset.status = status;
    entry.bubble.textContent = text || "";
    const shown = kind === "system" ? "" : name || "";
    entry.author.textContent = shown;
    entry.author.hidden = !shown;
    entry.meta.textContent = meta || "";
    setError(entry, error);
  }

  return { create, fill, setError };
}
