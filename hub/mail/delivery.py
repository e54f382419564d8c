"""The mail job: deliver one outbox row through the relay, with retries and back-off."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.jobs_models import MailOutbox
from hub.deliveries import record_delivery
from hub.jobs.attempts import RetryPolicy, attempt, due_rows
from hub.jobs.kind import JobContext, JobKind
from hub.mail.outbox import MAIL_JOB
from hub.mail.relay import SmtpRelay
from hub.settings import Settings

log = logging.getLogger("hub.mail")
# 1, 2, 4 ... minutes up to 6 hours: about a day and a half before a mail is given up.
MAIL_RETRIES = RetryPolicy(max_attempts=12)
_warned_no_relay: set[str] = set()


def warn_if_no_relay(settings: Settings) -> bool:
    """Log once per process that mails wait for HUB_SMTP_RELAY; True when there is none."""
    if settings.smtp_relay is not None:
        return False
    if not _warned_no_relay:
        _warned_no_relay.add("warned")
        log.warning("HUB_SMTP_RELAY is not set: outbound e-mails stay queued until it is")
    return True


async def deliver_mail(ctx: JobContext, mail_id: str) -> None:
    relay = SmtpRelay.from_settings(ctx.settings)
    if relay is None:
        warn_if_no_relay(ctx.settings)
        return  # stays queued, unclaimed: recovered at the next start with a relay

    async def send(row: MailOutbox) -> None:
        await relay.deliver(row.to_address, row.message)

    await attempt(ctx, MAIL_JOB, MailOutbox, mail_id, send, MAIL_RETRIES)
    await _forget_secret_body(ctx, mail_id)
    await _record_on_message(ctx, mail_id)


async def _record_on_message(ctx: JobContext, mail_id: str) -> None:
    """An ambassador's e-mail reply shows whether it left (or why not) in the timeline."""
    async with ctx.db.transaction() as session:
        row = await session.get(MailOutbox, mail_id)
        if row is None or row.ref_kind != "message" or row.ref_id is None or row.status == "queued":
            return
        await record_delivery(session, row.ref_id, row.status, row.last_error, ctx.clock())


def headers_only(message: bytes) -> bytes:
    head, _sep, _body = message.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n"


async def _forget_secret_body(ctx: JobContext, mail_id: str) -> None:
    """A delivered (or abandoned) one-time link has no business staying in the database."""
    async with ctx.db.transaction() as session:
        row = await session.get(MailOutbox, mail_id)
        if row is not None and row.sensitive and row.status != "queued":
            row.message = headers_only(row.message)


async def due_mail(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    return await due_rows(session, MailOutbox)


MAIL_KIND = JobKind(name=MAIL_JOB, handle=deliver_mail, due=due_mail)
