"""Crediting an offline sale to the online contact that led to it.

A purchase made within the attribution window after one of the customer's conversations
with an ambassador is credited to that ambassador and conversation (the most recent one
when there were several). Only conversations exist as online contacts in the schema so
far; appointments would join the same lookup once they are stored.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Conversation
from hub.pos_import.bulk import among

DEFAULT_WINDOW_DAYS = 14


@dataclass(frozen=True, slots=True)
class Contact:
    at: datetime
    conversation_id: str
    staff_id: str


def credited(
    contacts: Sequence[Contact], purchased_at: datetime, window: timedelta
) -> Contact | None:
    """The latest contact at or before the purchase and no older than the window.

    Pure; ``contacts`` must be sorted by time.
    """
    index = bisect.bisect_right([c.at for c in contacts], purchased_at)
    if index == 0:
        return None
    latest = contacts[index - 1]
    return latest if purchased_at - latest.at <= window else None


async def attribute(
    session: AsyncSession,
    purchased_at: Sequence[datetime],
    customer_ids: Sequence[str | None],
    window: timedelta,
    *,
    skip: set[str],
) -> list[Contact | None]:
    """The contact credited for each purchase, from one query for the whole batch.

    ``skip`` holds customers created by this batch: they cannot have talked to anyone yet.
    """
    wanted = {c for c in customer_ids if c is not None and c not in skip}
    if not wanted:
        return [None] * len(customer_ids)
    times = [at for at, c in zip(purchased_at, customer_ids, strict=True) if c in wanted]
    found = await session.execute(
        select(
            Conversation.customer_id,
            Conversation.created_at,
            Conversation.id,
            Conversation.assigned_staff_id,
        )
        .where(
            among(Conversation.customer_id, wanted),
            Conversation.assigned_staff_id.is_not(None),
            Conversation.created_at >= min(times) - window,
            Conversation.created_at <= max(times),
        )
        .order_by(Conversation.customer_id, Conversation.created_at)
    )
    by_customer: dict[str, list[Contact]] = {}
    for customer_id, at, conversation_id, staff_id in found:
        by_customer.setdefault(customer_id, []).append(Contact(at, conversation_id, str(staff_id)))
    return [
        credited(by_customer[c], at, window) if c in by_customer else None
        for at, c in zip(purchased_at, customer_ids, strict=True)
    ]
