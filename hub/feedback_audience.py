"""Who is asked for feedback, and in which words: whether someone from the boutique served
the conversation, who the rating is about, and the language to ask in. Reads only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.feedback_models import Feedback
from hub.db.models import Conversation, Customer, Message
from hub.db.voice_models import Callback, VoiceCall
from hub.shopper_texts import language_of

# A callback that never reached the right person has nobody to ask.
UNSERVED_CALLBACKS = ("wrong_number", "unreachable")


async def asked(session: AsyncSession, where: Any, kind: str) -> str | None:
    """The question of ``kind`` already asked about this conversation or appointment."""
    found: str | None = await session.scalar(
        select(Feedback.id).where(Feedback.kind == kind, where)
    )
    return found


async def language(session: AsyncSession, conversation: Conversation) -> str:
    """The conversation's own language, else the customer's preferred one, else the store's."""
    customer = await session.get(Customer, conversation.customer_id)
    preferred = (customer.preferences or {}).get("language") if customer else None
    return language_of(
        conversation.language,
        preferred if isinstance(preferred, str) else None,
        store_languages=conversation.store.languages or (),
    )


async def last_writer(session: AsyncSession, conversation_id: str) -> str | None:
    """The ambassador who wrote last: who the rating is about when nobody is assigned."""
    found: str | None = await session.scalar(
        select(Message.author_staff_id)
        .where(
            Message.conversation_id == conversation_id,
            Message.author_kind == "ambassador",
            Message.direction != "internal",  # a colleague's note is not a reply
        )
        .order_by(Message.seq.desc())
        .limit(1)
    )
    return found


async def served(session: AsyncSession, conversation: Conversation) -> bool:
    """Someone from the boutique spoke with the shopper: a reply was written, or a call was
    answered. A wrong number or a callback that never got through has nobody to ask."""
    callback = await session.scalar(
        select(Callback.status)
        .where(Callback.conversation_id == conversation.id)
        .order_by(Callback.created_at.desc())
        .limit(1)
    )
    if callback in UNSERVED_CALLBACKS:
        return False
    if callback == "reached":
        return True
    replied = await session.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.author_kind == "ambassador",
            Message.direction != "internal",  # a colleague's note is not a reply
        )
        .limit(1)
    )
    if replied is not None:
        return True
    answered = await session.scalar(
        select(VoiceCall.id)
        .where(
            VoiceCall.conversation_id == conversation.id,
            VoiceCall.staff_id.is_not(None),
            VoiceCall.status == "completed",
        )
        .limit(1)
    )
    return answered is not None
