"""The ``voice_sms`` job: send one queued text (a ``channel_outbox`` row of channel ``sms``).

It runs in the in-process runner or an rq worker. The row is claimed like every delivery
row (``hub.jobs.attempts``), so a duplicate job or a recovery sends it once. A refusal
about the message (an invalid or unsubscribed number) fails the row with the provider's
explanation; a provider that is down or slow is tried again with back-off. When the row
delivers a timeline message (an ambassador's reply) the message takes its final state,
which the change feed carries to the consoles.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.voice.provider import ProviderError, VoiceProvider
from adapters.voice.sms import CHANNEL, SMS_JOB
from hub.db.channel_models import ChannelOutbox, VoiceAccount
from hub.deliveries import record_outbox_delivery
from hub.jobs.attempts import DeliveryFailed, RetryPolicy, attempt, due_rows
from hub.jobs.kind import JobContext, JobKind

log = logging.getLogger("adapters.voice")
# A provider outage is usually over within minutes; after a day the text is stale anyway.
SMS_RETRIES = RetryPolicy(
    first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=30), max_attempts=10
)


def describe(error: ProviderError) -> str:
    if error.code is not None:
        return f"The voice provider refused the text message: {error.describe()}"
    return f"The text message could not be sent: {error.message}"


async def send(ctx: JobContext, outbox_id: str) -> None:
    async with ctx.db.reading() as session:
        channel = await session.scalar(
            select(ChannelOutbox.channel).where(ChannelOutbox.id == outbox_id)
        )
    if channel != CHANNEL:
        return  # another channel's row (or none): never claim what is not ours

    async def work(row: ChannelOutbox) -> None:
        async with ctx.db.reading() as session:
            account = await session.get(VoiceAccount, row.account_id) if row.account_id else None
        if account is None:
            raise DeliveryFailed(
                "the store's number at the voice provider was removed", permanent=True
            )
        text = row.payload.get("text") if isinstance(row.payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise DeliveryFailed("the text message is empty", permanent=True)
        try:
            async with VoiceProvider(ctx.settings.voice_api_base) as provider:
                sent = await provider.send_sms(account, row.recipient, account.number, text)
        except ProviderError as error:
            raise DeliveryFailed(describe(error), permanent=error.permanent) from None
        log.info(
            "sms handed to the provider", extra={"fields": {"outbox_id": row.id, "sid": sent.sid}}
        )

    await attempt(ctx, SMS_JOB, ChannelOutbox, outbox_id, work, SMS_RETRIES)
    await record_outbox_delivery(ctx, outbox_id)


async def _due(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    return await due_rows(session, ChannelOutbox, ChannelOutbox.channel == CHANNEL)


SMS_KIND = JobKind(name=SMS_JOB, handle=send, due=_due)
