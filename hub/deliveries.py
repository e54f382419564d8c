"""A timeline message takes the final state of the job that delivered it to its channel.

Jobs run anywhere (an rq worker, another web process), so the console hears of the change
through the change feed, not from the job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub import change_feed
from hub.db.models import Message


async def record_delivery(
    session: AsyncSession, message_id: str, status: str, error: str | None, now: datetime
) -> None:
    """``status``: sent or failed; a message already in that state is left alone."""
    message = await session.get(Message, message_id)
    if message is None or message.delivery_status == status:
        return
    message.delivery_status = status
    message.delivery_error = error if status == "failed" else None
    await change_feed.record(session, change_feed.MESSAGE_UPDATED, message.id, at=now)
