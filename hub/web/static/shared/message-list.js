/**
 * A scrolling list of messages kept in order: entries ({el, key}) are inserted where their
 * key belongs instead of rebuilding the list, so an aria-live log only announces new nodes.
 */

/** Keys are arrays of numbers compared element by element, e.g. [0, seq] or [1, createdMs]. */
function compareKeys(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] || 0) - (b[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function orderedList(container, compare = compareKeys) {
  const entries = [];
  const forget = (entry) => {
    const at = entries.indexOf(entry);
    if (at >= 0) entries.splice(at, 1);
  };
  return {
    /** Inserts a new entry, or moves one whose key changed; a node already in place stays. */
    place(entry) {
      forget(entry);
      let index = entries.findIndex((other) => compare(entry.key, other.key) < 0);
      if (index < 0) index = entries.length;
      entries.splice(index, 0, entry);
      const ref = index + 1 < entries.length ? entries[index + 1].el : null;
      if (entry.el.parentNode !== container || entry.el.nextSibling !== ref) {
        container.insertBefore(entry.el, ref);
      }
    },
    remove(entry) {
      forget(entry);
      entry.el.remove();
    },
    clear() {
      entries.splice(0).forEach((entry) => entry.el.remove());
    },
  };
}

/** True when the reader is at (or close to) the newest message. */
export function isNearBottom(container) {
  return container.scrollHeight - container.scrollTop - container.clientHeight < 80;
}

/** Follows new messages, unless the reader scrolled up to read older ones (force overrides). */
export function scrollToBottom(container, force) {
  if (force || isNearBottom(container)) container.scrollTop = container.scrollHeight;
}
