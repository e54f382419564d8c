"""Text messages from a store's number at the voice provider: rows first, a job after.

``VoiceSms`` is the callback service's ``SmsSender`` (a missed call back, told to the
shopper who gave no e-mail). Replies to voice conversations (``adapters.voice.replies``)
use the same rows. Each text is a ``channel_outbox`` row of channel ``sms``, stored in the
caller's transaction; the ``voice_sms`` job (``adapters.voice.sms_job``) sends it once
that has committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice.twiml import is_e164
from hub.db.channel_models import ChannelOutbox, VoiceAccount
from hub.deliveries import outbox_row as queued_delivery
from hub.outbound import Scheduled

CHANNEL = "sms"
SMS_JOB = "voice_sms"
# Twilio refuses a body longer than this (error 21617), however it is split for delivery.
MAX_SMS_CHARS = 1600


async def store_account(session: AsyncSession, store_id: str) -> VoiceAccount | None:
    """The store's number at the provider (the first configured, if it has several)."""
    return await session.scalar(
        select(VoiceAccount)
        .where(VoiceAccount.store_id == store_id)
        .order_by(VoiceAccount.created_at, VoiceAccount.id)
        .limit(1)
    )


def outbox_row(
    account: VoiceAccount,
    to: str,
    text: str,
    now: datetime,
    *,
    message_id: str | None = None,
    ref: tuple[str, str] | None = None,
) -> ChannelOutbox:
    return queued_delivery(
        CHANNEL, account.id, to, "text", {"text": text}, now, message_id=message_id, ref=ref
    )


class VoiceSms:
    """``hub.callbacks.SmsSender``: a text to the shopper about their callback."""

    async def enqueue(
        self, session: AsyncSession, *, store_id: str, to: str, text: str, ref: str, now: datetime
    ) -> Scheduled | None:
        """None when the store has no number to text from, or ``to`` is no phone number."""
        account = await store_account(session, store_id)
        if account is None or not is_e164(to):
            return None
        row = outbox_row(account, to, text[:MAX_SMS_CHARS], now, ref=("callback", ref))
        session.add(row)
        await session.flush()
        return Scheduled(SMS_JOB, row.id)
