"""Telling people about an appointment once it is committed: the shopper in the channel
they came from and by e-mail with a calendar file, the ambassador's console, and the
job runner for the reminders.

Runs after the booking's commit, so a failure here never undoes a booking; every mail is
an outbox row first (``hub.mail``), so none is lost to a crash between deciding and
sending.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.booking_ics import calendar_file
from hub.bookings import manage_url
from hub.calendar import ambassador_name
from hub.clock import Clock
from hub.db.booking_models import Appointment, Reminder
from hub.db.engine import Database
from hub.db.models import Staff, StaffStore
from hub.inbox import Inbox
from hub.jobs.kind import Jobs
from hub.mail import outbox
from hub.mail.message import compose
from hub.outbound import AppointmentMessenger, Scheduled
from hub.proposals import place_name, spoken_time
from hub.realtime.publisher import Publisher
from hub.settings import Settings

log = logging.getLogger("hub.booking_notices")
REMINDER_JOB = "reminder"

SUBJECTS = {
    "booked": "Your appointment at {store}: {when}",
    "rescheduled": "Your appointment at {store} has moved: {when}",
    "cancelled": "Your appointment at {store} on {when} is cancelled",
}
CHAT_LINES = {
    "booked": "Appointment booked: {type}, {when} ({place} time){with_whom}.",
    "rescheduled": "Appointment moved: {type}, now {when} ({place} time){with_whom}.",
    "cancelled": "Appointment cancelled: {type}, {when} ({place} time).",
}


def where(row: Appointment) -> str:
    if row.kind == "virtual":
        return f"Video call: {row.video_url}" if row.video_url else "Video call"
    store = row.store
    return ", ".join(part for part in (store.name, store.address) if part)


def local_when(row: Appointment) -> str:
    return spoken_time(row.starts_at, row.store.timezone)


def change_line(row: Appointment, event: str, ambassador: str | None) -> str:
    """What happened, in one line: the chat gets it, the e-mail starts with it."""
    return CHAT_LINES[event].format(
        type=row.type.name,
        when=local_when(row),
        place=place_name(row.store.timezone),
        with_whom=f" with {ambassador}" if ambassador else "",
    )


def confirmation_text(
    row: Appointment, event: str, ambassador: str | None, manage_url: str | None
) -> str:
    lines = [
        f"Dear {row.contact_name or 'client'},",
        "",
        change_line(row, event, ambassador),
    ]
    if event != "cancelled":
        lines += ["", where(row)]
        if manage_url:
            lines += ["", f"To reschedule or cancel: {manage_url}"]
        lines += ["", "The attached calendar file adds it to your calendar."]
    lines += ["", row.store.name]
    return "\n".join(lines)


def attach_calendar(message: EmailMessage, ics: bytes, cancelled: bool) -> None:
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="appointment.ics")
    part = list(message.iter_attachments())[-1]
    part.set_param("method", "CANCEL" if cancelled else "REQUEST")


class BookingNotices:
    """``hub.bookings.BookingEvents`` for the running hub."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        jobs: Jobs,
        inbox: Inbox,
        publisher: Publisher,
        messengers: Mapping[str, AppointmentMessenger] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.jobs = jobs
        self.inbox = inbox
        self.messengers = dict(messengers or {})
        self.publisher = publisher

    async def appointment_changed(
        self, appointment_id: str, event: str, token: str | None = None
    ) -> None:
        try:
            await self._announce(appointment_id, event, token)
        except Exception:  # the booking stands; the outbox and reminders table keep the rest
            log.exception("could not announce an appointment change")

    async def _announce(self, appointment_id: str, event: str, token: str | None) -> None:
        now = self.clock()
        async with self.db.transaction() as session:
            row = await session.get(Appointment, appointment_id)
            if row is None:
                return
            ambassador = await ambassador_name(session, row)
            mail_id = None
            if row.contact_email:
                mail_id = await outbox.enqueue(
                    session,
                    self._mail(row, event, ambassador, token, now),
                    now=now,
                    ref=("appointment", row.id),
                    sensitive=token is not None,
                )
            managers = (
                await session.scalars(
                    select(Staff.id)
                    .join(StaffStore, StaffStore.staff_id == Staff.id)
                    .where(
                        StaffStore.store_id == row.store_id,
                        Staff.role.in_(("manager", "admin")),
                        Staff.active.is_(True),
                    )
                )
            ).all()
            scheduled = await self._channel_notices(session, row, event, token, now)
            reminders = (
                await session.execute(
                    select(Reminder.id, Reminder.next_attempt_at).where(
                        Reminder.appointment_id == row.id, Reminder.status == "queued"
                    )
                )
            ).all()
        if mail_id is not None:
            await outbox.schedule(self.jobs, mail_id)
        for notice in scheduled:
            await self.jobs.schedule(notice.job_kind, notice.key)
        for reminder_id, due in reminders:
            await self.jobs.schedule(REMINDER_JOB, reminder_id, at=due)
        if row.conversation_id is not None:
            line = change_line(row, event, ambassador)
            await self.inbox.system_message(row.conversation_id, f"{line} {where(row)}")
        payload = {
            "id": row.id,
            "event": event,
            "start": row.starts_at.astimezone(ZoneInfo(row.store.timezone)).isoformat(),
        }
        for staff_id in {row.ambassador_id, *managers}:
            await self.publisher.to_staff(staff_id, "appointment", payload)

    async def _channel_notices(
        self,
        session: AsyncSession,
        row: Appointment,
        event: str,
        token: str | None,
        now: datetime,
    ) -> list[Scheduled]:
        """Channels with notices of their own (WeChat templates); one failing is logged and
        leaves the others (and the e-mail) to go."""
        manage = manage_url(self.settings.public_url, row.id, token) if token else None
        ref = ("appointment", f"{row.id}:{event}:{row.sequence}")
        found = []
        for name, messenger in self.messengers.items():
            try:
                notice = await messenger.appointment_notice(
                    session, row, event, manage, now, ref=ref
                )
            except Exception as exc:
                log.warning(
                    "appointment notice not sent",
                    extra={"fields": {"channel": name, "reason": str(exc)[:200]}},
                )
                continue
            if notice is not None:
                found.append(notice)
        return found

    def _mail(
        self,
        row: Appointment,
        event: str,
        ambassador: str | None,
        token: str | None,
        now: datetime,
    ) -> EmailMessage:
        assert row.contact_email is not None
        manage = manage_url(self.settings.public_url, row.id, token) if token else None
        message = compose(
            self.settings,
            to=row.contact_email,
            subject=SUBJECTS[event].format(store=row.store.name, when=local_when(row)),
            text=confirmation_text(row, event, ambassador, manage),
            now=now,
        )
        ics = calendar_file(
            row,
            ambassador=ambassador,
            public_url=self.settings.public_url,
            organizer_email=None,
        )
        attach_calendar(message, ics, cancelled=row.status == "cancelled")
        return message
