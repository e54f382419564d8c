"""``conversation_updated``: a change to a conversation that every console of its store
should see at once (its tags), sent after the commit to each colleague's staff room, so it
reaches their consoles in every web process (rooms span processes with Redis)."""

from __future__ import annotations

import logging
from typing import Any

from hub.realtime.publisher import Publisher

log = logging.getLogger("hub.realtime")

CONVERSATION_UPDATED = "conversation_updated"
# A staff member's read marker moved: their other tabs clear the same badge.
CONVERSATION_READ = "conversation_read"


async def conversation_updated(
    publisher: Publisher, staff_ids: list[str], changes: dict[str, Any]
) -> None:
    """``changes`` holds the conversation's ``id`` and the fields that changed."""
    try:
        for staff_id in staff_ids:
            await publisher.to_staff(staff_id, CONVERSATION_UPDATED, {"conversation": changes})
    except Exception:
        # Stored already; consoles catch up on their next load of the list.
        log.exception("emitting a conversation update failed")


async def conversation_read(
    publisher: Publisher, staff_id: str, mark: dict[str, Any], skip: str | None
) -> None:
    """The reader's other consoles (not the one that read) update the conversation's count."""
    try:
        await publisher.to_staff(staff_id, CONVERSATION_READ, mark, skip)
    except Exception:
        log.exception("emitting a read marker failed")
