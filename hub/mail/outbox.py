"""The mail outbox: a message is a row before it is a job, so no crash can lose it.

Store it in the transaction that decided to send it (``enqueue``); schedule the delivery
only after that commit (``schedule``), so a rolled-back decision never sends a mail.
``send`` does both for a caller with no transaction of its own.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database
from hub.db.jobs_models import MailOutbox
from hub.jobs.kind import Jobs

MAIL_JOB = "mail"


def _single_recipient(message: EmailMessage) -> str:
    addresses = [address for _name, address in getaddresses(message.get_all("To", []))]
    if len(addresses) != 1 or "@" not in addresses[0]:
        raise ValueError("an outbox message has exactly one To address")
    return addresses[0]


async def enqueue(
    session: AsyncSession,
    message: EmailMessage,
    *,
    now: datetime,
    ref: tuple[str, str] | None = None,
    sensitive: bool = False,
) -> str:
    """Store ``message`` (built by ``compose``) as queued; returns the id to ``schedule``.

    ``sensitive``: the body holds a secret (a one-time link); it is dropped from the row
    once the mail was delivered or given up, keeping the headers for support.
    """
    if message["Message-ID"] is None:
        raise ValueError("compose the message with hub.mail.compose (it sets the Message-ID)")
    row = MailOutbox(
        to_address=_single_recipient(message),
        subject=str(message["Subject"] or "")[:998],
        message=message.as_bytes(policy=SMTP),
        message_id=str(message["Message-ID"]),
        ref_kind=ref[0] if ref else None,
        ref_id=ref[1] if ref else None,
        sensitive=sensitive,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def schedule(jobs: Jobs, mail_id: str) -> None:
    """After the commit that stored the mail: deliver it now."""
    await jobs.schedule(MAIL_JOB, mail_id)


async def send(
    db: Database,
    jobs: Jobs,
    message: EmailMessage,
    *,
    now: datetime,
    ref: tuple[str, str] | None = None,
    sensitive: bool = False,
) -> str:
    """Store and schedule in one call, for a caller that has no transaction open."""
    async with db.transaction() as session:
        mail_id = await enqueue(session, message, now=now, ref=ref, sensitive=sensitive)
    await schedule(jobs, mail_id)
    return mail_id
