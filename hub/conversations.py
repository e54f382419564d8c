"""Reading conversations and messages, always through the caller's store access."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hub.db.models import Conversation, Message
from hub.errors import NotFound
from hub.staff import Principal

# ``scheduled``: a callback waiting for its time; open, but not yet in routing's hands.
OPEN_STATUSES = ("scheduled", "queued", "offered", "assigned")
STATUS_FILTERS = {
    "open": OPEN_STATUSES,
    "scheduled": ("scheduled",),
    "queued": ("queued", "offered"),
    "assigned": ("assigned",),
    "closed": ("closed",),
}


async def visible_conversation(
    session: AsyncSession, principal: Principal, conversation_id: object
) -> Conversation:
    """The conversation if it lies in the caller's stores; otherwise it 'does not exist'."""
    conversation = (
        await session.get(Conversation, conversation_id)
        if isinstance(conversation_id, str)
        else None
    )
    if conversation is None or not principal.can_see_store(conversation.store_id):
        raise NotFound("conversation not found")
    return conversation


async def messages_after(
    session: AsyncSession, conversation_id: str, after_seq: int = 0, limit: int | None = None
) -> Sequence[Message]:
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


async def last_messages(
    session: AsyncSession, conversations: Sequence[Conversation]
) -> dict[str, Message]:
    if not conversations:
        return {}
    pairs = [(c.id, c.last_seq) for c in conversations if c.last_seq > 0]
    if not pairs:
        return {}
    rows = await session.scalars(
        select(Message).where(
            Message.conversation_id.in_([cid for cid, _ in pairs]),
            Message.seq.in_({seq for _, seq in pairs}),
        )
    )
    wanted = dict(pairs)
    return {m.conversation_id: m for m in rows if wanted.get(m.conversation_id) == m.seq}


async def next_seq(session: AsyncSession, conversation: Conversation, now: datetime) -> int:
    """Take the next sequence number; the row update serialises writers, so no gaps or repeats."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(last_seq=Conversation.last_seq + 1, updated_at=now)
        .returning(Conversation.last_seq)
        .execution_options(synchronize_session=False)
    )
    seq = int(result.scalar_one())
    set_committed_value(conversation, "last_seq", seq)
    set_committed_value(conversation, "updated_at", now)
    return seq


async def latest_for_contact(
    session: AsyncSession, channel: str, contact: str
) -> Conversation | None:
    """The shopper's current conversation: the open one, else the most recent closed one."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.contact == contact)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )


async def open_for_contact(
    session: AsyncSession, channel: str, contact: str
) -> Conversation | None:
    """The contact's open conversation on this channel (the newest, should there be two),
    read afresh from the database: the caller decides on its status."""
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.contact == contact,
            Conversation.status.in_(OPEN_STATUSES),
        )
        .order_by(Conversation.created_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def append_message(
    session: AsyncSession, conversation: Conversation, now: datetime, **fields: Any
) -> Message:
    """Add a message at the conversation's next sequence number (flushed, not committed)."""
    message = Message(
        conversation_id=conversation.id,
        seq=await next_seq(session, conversation, now),
        created_at=now,
        **fields,
    )
    session.add(message)
    await session.flush()
    return message


async def append_staff_message(
    session: AsyncSession,
    conversation: Conversation,
    principal: Principal,
    now: datetime,
    **fields: Any,
) -> Message:
    """An ambassador's message out (a reply, or outreach that opens the conversation):
    web chat delivers it over the socket as it is stored (``sent``); every other channel
    through its outbox job (``pending`` until then)."""
    return await append_message(
        session,
        conversation,
        now,
        direction="out",
        channel=conversation.channel,
        author_kind="ambassador",
        author_staff_id=principal.id,
        author_name=principal.name,
        delivery_status="sent" if conversation.channel == "webchat" else "pending",
        **fields,
    )
