"""The ``OutboundChannel`` of ``email`` conversations: an ambassador's reply as a mail.

The mail is built and stored in the mail outbox in the reply's own transaction, keyed to
the timeline message, and its Message-ID is remembered for the thread; the mail job
delivers it through ``HUB_SMTP_RELAY`` and records the outcome on the message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.email.compose import bare_id, compose_in_thread, reply_subject
from adapters.email.threads import references, remember, sender_of
from hub import mail
from hub.db.channel_models import EmailThread, Mailbox
from hub.db.models import Conversation, Message
from hub.errors import Conflict
from hub.mail.outbox import MAIL_JOB
from hub.settings import Settings
from hub.shopper_texts import conversation_texts


class EmailReplies:
    job_kind = MAIL_JOB

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def enqueue(
        self, session: AsyncSession, conversation: Conversation, message: Message, now: datetime
    ) -> str:
        thread = await session.get(EmailThread, conversation.id)
        if thread is None:
            raise Conflict("this conversation has no e-mail thread to answer", code="no_thread")
        email = compose_in_thread(
            self.settings,
            await sender_of(session, thread, message.author_name),
            to=conversation.contact,
            subject=reply_subject(thread.subject, conversation_texts(conversation)),
            text=message.text,
            thread_token=thread.token,
            references=await references(session, conversation.id),
            now=now,
        )
        mail_id = await mail.enqueue(session, email, now=now, ref=("message", message.id))
        await remember(
            session, bare_id(email["Message-ID"]), conversation.id, message.id, "out", now
        )
        return mail_id

    async def state(
        self, session: AsyncSession, conversation: Conversation, now: datetime
    ) -> dict[str, Any] | None:
        thread = await session.get(EmailThread, conversation.id)
        mailbox = (
            await session.get(Mailbox, thread.mailbox_id) if thread and thread.mailbox_id else None
        )
        return {
            "email": {
                "address": conversation.contact,
                "subject": thread.subject if thread else None,
                "mailbox": mailbox.address if mailbox else None,
            }
        }
