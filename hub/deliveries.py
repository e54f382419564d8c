"""A timeline message takes the final state of the job that delivered it to its channel.

Jobs run anywhere (an rq worker, another web process), so the console hears of the change
through the change feed, not from the job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import change_feed
from hub.db.channel_models import ChannelOutbox
from hub.db.models import Message
from hub.jobs.kind import JobContext


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


def outbox_row(
    channel: str,
    account_id: str | None,
    recipient: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    message_id: str | None = None,
    ref: tuple[str, str | None] | None = None,
) -> ChannelOutbox:
    """A queued delivery, due now; ``message_id`` when it delivers a timeline message."""
    return ChannelOutbox(
        channel=channel,
        account_id=account_id,
        recipient=recipient,
        kind=kind,
        payload=payload,
        message_id=message_id,
        ref_kind=ref[0] if ref else None,
        ref_id=ref[1] if ref else None,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


async def record_outbox_delivery(ctx: JobContext, outbox_id: str) -> None:
    """After a channel job's attempt: its timeline message takes the row's final state."""
    async with ctx.db.transaction() as session:
        row = await session.get(ChannelOutbox, outbox_id)
        if row is None or row.message_id is None or row.status == "queued":
            return
        await record_delivery(session, row.message_id, row.status, row.last_error, ctx.clock())
