"""Notes on a conversation: a line for colleagues in the timeline, never for the shopper.

A note is a message like any other (its ``seq`` keeps the timeline's order, consoles get
it as a ``message``), written with direction ``internal``, author kind ``ambassador`` and
``data: {"note": true}``. Every path that shows a conversation to its shopper leaves it
out through ``is_staff_note``: the live ``message`` event and ``history`` on ``/shopper``
(hub.realtime.publisher, adapters.webchat.namespace). E-mail, WeChat and SMS only ever
carry what ``Inbox.reply`` hands their outbound channel, which a note never goes through.
Insights and the rating's audience do not count a note as an answer to the shopper.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import validation
from hub.clock import Clock
from hub.conversations import append_message, visible_conversation
from hub.db.engine import Database
from hub.db.models import Conversation, Message
from hub.db.races import transaction_retrying
from hub.errors import Conflict
from hub.staff import Principal

MAX_NOTE = 4000
INTERNAL = "internal"


def is_staff_note(message: Message) -> bool:
    """A note for colleagues: no shopper ever receives it, on any channel."""
    return message.direction == INTERNAL and bool((message.data or {}).get("note"))


@dataclass(frozen=True)
class Noted:
    message: Message
    conversation: Conversation
    duplicate: bool = False


async def add_note(
    db: Database,
    clock: Clock,
    principal: Principal,
    conversation_id: object,
    text: object,
    client_id: object = None,
) -> Noted:
    """Anyone who can see the conversation may note on it, open or closed. A ``client_id``
    makes a resend store one note (the same one comes back)."""
    body = validation.no_nul(validation.text(text, "text", max_length=MAX_NOTE), "text")
    key = (
        None
        if client_id in (None, "")
        else f"note:{principal.id}:{validation.client_id(client_id)}"
    )

    async def work(session: AsyncSession) -> Noted:
        conversation = await visible_conversation(session, principal, conversation_id)
        if key is not None:
            existing = await session.scalar(select(Message).where(Message.dedupe_key == key))
            if existing is not None:
                if existing.conversation_id != conversation.id:
                    raise Conflict(
                        "client_id already used for another conversation",
                        code="client_id_reused",
                    )
                return Noted(existing, conversation, duplicate=True)
        message = await append_message(
            session,
            conversation,
            clock(),
            direction=INTERNAL,
            channel=conversation.channel,
            author_kind="ambassador",
            author_staff_id=principal.id,
            author_name=principal.name,
            text=body,
            data={"note": True},
            dedupe_key=key,
        )
        return Noted(message, conversation)

    return await transaction_retrying(db, work)
