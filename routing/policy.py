"""The routing decision, pure: given who waits and who is free, who gets offered what.

First rule: conversations in arrival order, each to an available ambassador of its
store with free capacity, preferring the least loaded (then whoever waited longest
since their last offer), so work spreads evenly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from routing.model import Ambassador, Assignment, Presence, QueuePosition, Waiting

_EPOCH = datetime.min


def is_eligible(ambassador: Ambassador, waiting: Waiting) -> bool:
    return (
        ambassador.presence is Presence.AVAILABLE
        and ambassador.free_capacity > 0
        and waiting.store_id in ambassador.profile.store_ids
        and ambassador.id not in waiting.excluded
    )


def _preference(ambassador: Ambassador) -> tuple[float, datetime, str]:
    last = ambassador.last_offered_at.replace(tzinfo=None) if ambassador.last_offered_at else _EPOCH
    return (ambassador.load / ambassador.profile.capacity, last, ambassador.id)


def plan(waiting: Iterable[Waiting], ambassadors: Iterable[Ambassador]) -> list[Assignment]:
    """Offers to make now; each ambassador's load grows as the plan fills it."""
    pool = {a.id: a for a in ambassadors}
    result: list[Assignment] = []
    for item in sorted(waiting, key=lambda w: (w.queued_at, w.conversation_id)):
        candidates = [a for a in pool.values() if is_eligible(a, item)]
        if not candidates:
            continue
        best = min(candidates, key=_preference)
        pool[best.id] = replace(best, load=best.load + 1)
        result.append(Assignment(item.conversation_id, best.id))
    return result


def queue_positions(
    waiting: Iterable[Waiting], *, average_wait_seconds: float
) -> list[QueuePosition]:
    """1-based place in the store's line and a rough wait, for the shopper's status line."""
    per_store: dict[str, list[Waiting]] = defaultdict(list)
    for item in waiting:
        per_store[item.store_id].append(item)
    positions: list[QueuePosition] = []
    for items in per_store.values():
        items.sort(key=lambda w: (w.queued_at, w.conversation_id))
        for index, item in enumerate(items, start=1):
            positions.append(
                QueuePosition(item.conversation_id, index, round(index * average_wait_seconds))
            )
    return positions
