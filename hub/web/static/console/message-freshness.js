/**
 * The newer of two copies of one message. Delivery and file states only move forward
 * (pending, then sent/failed or ready/failed), so a copy read before a job finished (a
 * timeline fetched while message_updated was on its way) never undoes what we already know.
 */

const settled = (status) => status === "sent" || status === "failed" || status === "ready";

export function freshestCopy(previous, next) {
  if (!previous) return next;
  let merged = next;
  const before = previous.delivery;
  if (before && settled(before.status) && (!next.delivery || next.delivery.status === "pending")) {
    merged = { ...merged, delivery: before };
  }
  const known = new Map(((previous.data && previous.data.attachments) || []).map((a) => [a.id, a]));
  const files = merged.data && merged.data.attachments;
  if (known.size && Array.isArray(files)) {
    const kept = files.map((a) => {
      const old = known.get(a.id);
      return old && settled(old.status) && a.status === "pending" ? old : a;
    });
    merged = { ...merged, data: { ...merged.data, attachments: kept } };
  }
  return merged;
}
