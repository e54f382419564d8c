"""The ``OutboundChannel`` of ``voice`` conversations (callbacks, calls, voicemails).

A caller cannot read a chat, so an ambassador's written reply goes out as a text message
from the store's number to the number the conversation is with, stored in the reply's
transaction and sent by the ``voice_sms`` job. A store with no number at the provider,
or a caller who withheld their number, cannot be texted: the reply is refused before
anything is stored (``409 voice_no_sms``), saying so.

``state`` is the console's call card: the number, what the provider makes possible
(texting, "call via provider"), the callback and the conversation's last calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice.sms import MAX_SMS_CHARS, SMS_JOB, is_e164, outbox_row, store_account
from hub.callbacks import callback_of, callback_payload
from hub.db.models import Conversation, Message, Staff
from hub.db.voice_models import VoiceCall
from hub.errors import Conflict
from hub.messages import iso

RECENT_CALLS = 10


class VoiceReplies:
    job_kind = SMS_JOB

    async def enqueue(
        self, session: AsyncSession, conversation: Conversation, message: Message, now: datetime
    ) -> str:
        if not is_e164(conversation.contact):
            raise Conflict(
                "The caller withheld their number, so a text message cannot reach them. "
                "Add a note instead, or reach them on another channel they gave.",
                code="voice_no_sms",
            )
        account = await store_account(session, conversation.store_id)
        if account is None:
            raise Conflict(
                "This boutique has no number at the voice provider to send text messages "
                "from. Call the client instead.",
                code="voice_no_sms",
            )
        if len(message.text) > MAX_SMS_CHARS:
            raise Conflict(
                f"A text message holds at most {MAX_SMS_CHARS} characters; shorten the reply.",
                code="sms_too_long",
            )
        row = outbox_row(account, conversation.contact, message.text, now, message_id=message.id)
        session.add(row)
        await session.flush()
        return row.id

    async def state(
        self, session: AsyncSession, conversation: Conversation, now: datetime
    ) -> dict[str, Any] | None:
        phone = conversation.contact if is_e164(conversation.contact) else None
        account = await store_account(session, conversation.store_id)
        callback = await callback_of(session, conversation.id)
        calls = (
            await session.execute(
                select(VoiceCall, Staff.name)
                .outerjoin(Staff, Staff.id == VoiceCall.staff_id)
                .where(VoiceCall.conversation_id == conversation.id)
                .order_by(VoiceCall.created_at.desc(), VoiceCall.id)
                .limit(RECENT_CALLS)
            )
        ).all()
        return {
            "kind": "voice",
            "phone": phone,
            "sms": account is not None and phone is not None,
            "bridge": account is not None,
            "callback": callback_payload(callback) if callback is not None else None,
            "calls": [
                {
                    "id": call.id,
                    "direction": call.direction,
                    "status": call.status,
                    "duration_seconds": call.duration_seconds,
                    "staff": staff_name,
                    "created_at": iso(call.created_at),
                }
                for call, staff_name in calls
            ],
        }
