"""The reminder job: one row of ``appointment_reminders`` sent once, by the channel the
customer agreed to, while the appointment is still on.

The row is claimed before anything is sent (``hub.jobs.attempts``) and what it produces is
keyed by the reminder (one outbox mail, one chat message), so a job run twice — a
restart, a duplicate rq job — sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import change_feed, customers
from hub.booking_notices import REMINDER_JOB, local_when, where
from hub.conversations import append_message
from hub.db.booking_models import Appointment, Reminder
from hub.db.jobs_models import MailOutbox
from hub.db.models import Conversation, Message
from hub.i18n import Texts, texts
from hub.jobs.attempts import DeliveryFailed, RetryPolicy, attempt, due_rows
from hub.jobs.kind import JobContext, JobKind
from hub.jobs.registry import appointment_messengers
from hub.mail import outbox
from hub.mail.message import compose
from hub.outbound import AppointmentMessenger, Scheduled
from hub.profiles import consent
from hub.shopper_texts import appointment_language, conversation_texts, type_name

REMINDER_RETRIES = RetryPolicy(first_delay=timedelta(minutes=1), max_attempts=6)
# Channels whose consent the ledger records (webchat is the shopper's own open chat).
LEDGER_CHANNELS = {"email": "email", "phone": "phone", "wechat": "wechat"}


def reminder_text(t: Texts, row: Appointment) -> str:
    line = t.gettext(
        "Reminder: {type} at {store}, {when}.",
        type=type_name(t, row.type.name),
        store=row.store.name,
        when=local_when(t, row),
    )
    return f"{line} {where(t, row)}"


async def _consented(session: AsyncSession, row: Appointment, channel: str) -> bool:
    """Reminders were asked for; a withdrawal since then still stops them."""
    if channel not in LEDGER_CHANNELS or row.customer_id is None:
        return True
    state = await customers.consent_state(session, row.customer_id)
    return consent.may_contact(
        state, LEDGER_CHANNELS[channel], consent.SERVICE, proactive=True, requested_by_customer=True
    )


async def _by_mail(
    ctx: JobContext, session: AsyncSession, reminder: Reminder, row: Appointment, now: datetime
) -> str | None:
    if not row.contact_email:
        raise DeliveryFailed("the booking has no e-mail address", permanent=True)
    existing = await session.scalar(
        select(MailOutbox.id).where(
            MailOutbox.ref_kind == "reminder", MailOutbox.ref_id == reminder.id
        )
    )
    if existing is not None:
        return None  # an earlier attempt queued it; the mail job delivers it
    t = texts(await appointment_language(session, row))
    manage = t.gettext("To reschedule or cancel, use the link in your confirmation e-mail.")
    message = compose(
        ctx.settings,
        to=row.contact_email,
        subject=t.gettext(
            "Reminder: {store}, {when}", store=row.store.name, when=local_when(t, row)
        ),
        text=f"{reminder_text(t, row)}\n\n{manage}",
        now=now,
    )
    return await outbox.enqueue(session, message, now=now, ref=("reminder", reminder.id))


async def _in_chat(
    session: AsyncSession, reminder: Reminder, row: Appointment, now: datetime
) -> None:
    key = f"reminder:{reminder.id}"
    if await session.scalar(select(Message.id).where(Message.dedupe_key == key)):
        return
    conversation = (
        await session.get(Conversation, row.conversation_id) if row.conversation_id else None
    )
    if conversation is None:
        raise DeliveryFailed("the booking has no conversation to remind in", permanent=True)
    message = await append_message(
        session,
        conversation,
        now,
        direction="internal",
        channel=conversation.channel,
        author_kind="system",
        author_name=None,
        text=reminder_text(conversation_texts(conversation), row),
        dedupe_key=key,
    )
    await change_feed.record(session, change_feed.MESSAGE, message.id, at=now)


async def _by_messenger(
    messenger: AppointmentMessenger,
    session: AsyncSession,
    reminder: Reminder,
    row: Appointment,
    now: datetime,
) -> Scheduled | None:
    try:
        notice = await messenger.appointment_notice(
            session, row, "reminder", None, now, ref=("reminder", reminder.id)
        )
    except Exception as exc:
        raise DeliveryFailed(str(exc)[:300] or type(exc).__name__, permanent=True) from None
    if notice is None:
        raise DeliveryFailed(f"the customer is not on {reminder.channel}", permanent=True)
    return notice


async def send_reminder(ctx: JobContext, reminder_id: str) -> None:
    async def work(reminder: Reminder) -> None:
        now = ctx.clock()
        mail_id = None
        notice: Scheduled | None = None
        async with ctx.db.transaction() as session:
            row = await session.get(Appointment, reminder.appointment_id)
            if row is None or row.status != "booked":
                raise DeliveryFailed("the appointment is no longer booked", permanent=True)
            if row.starts_at <= now:
                raise DeliveryFailed("the appointment has already started", permanent=True)
            if not await _consented(session, row, reminder.channel):
                raise DeliveryFailed("the customer withdrew consent", permanent=True)
            if reminder.channel == "email":
                mail_id = await _by_mail(ctx, session, reminder, row, now)
            elif reminder.channel == "webchat":
                await _in_chat(session, reminder, row, now)
            elif reminder.channel in (messengers := appointment_messengers()):
                notice = await _by_messenger(
                    messengers[reminder.channel], session, reminder, row, now
                )
            else:
                raise DeliveryFailed(
                    f"{reminder.channel} reminders need a provider the hub does not have yet",
                    permanent=True,
                )
        if mail_id is not None:
            await outbox.schedule(ctx.jobs, mail_id)
        if notice is not None:
            await ctx.jobs.schedule(notice.job_kind, notice.key)

    await attempt(ctx, REMINDER_JOB, Reminder, reminder_id, work, REMINDER_RETRIES)


async def due_reminders(session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
    return await due_rows(session, Reminder)


REMINDER_KIND = JobKind(name=REMINDER_JOB, handle=send_reminder, due=due_reminders)
