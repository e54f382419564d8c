"""E-mail threads: which conversation a mail belongs to, and what a reply must reference.

A mail joins a conversation when its ``In-Reply-To`` or ``References`` name a Message-ID
the hub sent or received in it, or when it was sent to the thread's plus-address; the
token of that address is 128 random bits, so it cannot be guessed into someone else's
conversation.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.email.compose import Sender
from hub.db.channel_models import EmailMessageId, EmailThread, Mailbox
from hub.db.models import Store


async def ensure_thread(
    session: AsyncSession,
    conversation_id: str,
    mailbox_id: str | None,
    subject: str | None,
    now: datetime,
) -> EmailThread:
    thread = await session.get(EmailThread, conversation_id)
    if thread is None:
        thread = EmailThread(
            conversation_id=conversation_id,
            mailbox_id=mailbox_id,
            token=secrets.token_urlsafe(16),
            subject=(subject or "")[:998] or None,
            created_at=now,
        )
        session.add(thread)
        await session.flush()
    return thread


async def threaded_conversation(
    session: AsyncSession, ids: Iterable[str], token: str | None
) -> str | None:
    """The conversation of the newest referenced Message-ID we know, else of the token."""
    known = [i for i in dict.fromkeys(ids) if i][:50]
    if known:
        rows = (
            await session.execute(
                select(EmailMessageId.message_id, EmailMessageId.conversation_id).where(
                    EmailMessageId.message_id.in_(known)
                )
            )
        ).all()
        by_id = dict(rows)
        for message_id in reversed(known):  # In-Reply-To last: the most direct parent
            if message_id in by_id:
                return str(by_id[message_id])
    if token:
        found = await session.scalar(
            select(EmailThread.conversation_id).where(EmailThread.token == token)
        )
        return str(found) if found else None
    return None


async def remember(
    session: AsyncSession,
    message_id: str | None,
    conversation_id: str,
    hub_message_id: str | None,
    direction: str,
    now: datetime,
) -> None:
    if not message_id or await session.get(EmailMessageId, message_id) is not None:
        return
    session.add(
        EmailMessageId(
            message_id=message_id[:255],
            conversation_id=conversation_id,
            hub_message_id=hub_message_id,
            direction=direction,
            created_at=now,
        )
    )
    await session.flush()


async def references(session: AsyncSession, conversation_id: str) -> list[str]:
    """Every Message-ID of the thread, oldest first: the new mail's References."""
    rows = await session.scalars(
        select(EmailMessageId.message_id)
        .where(EmailMessageId.conversation_id == conversation_id)
        .order_by(EmailMessageId.created_at)
    )
    return list(rows)


async def sender_of(session: AsyncSession, thread: EmailThread, author: str | None) -> Sender:
    """The thread's mailbox, signed by the ambassador and the mailbox's signature."""
    mailbox = await session.get(Mailbox, thread.mailbox_id) if thread.mailbox_id else None
    if mailbox is None:
        return Sender(address=None, name=None, signature=author)
    store_name = await session.scalar(select(Store.name).where(Store.id == mailbox.store_id))
    lines = [line for line in (author, mailbox.signature or store_name) if line]
    return Sender(
        address=mailbox.address, name=mailbox.display_name, signature="\n".join(lines) or None
    )
