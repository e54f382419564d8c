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
from hub.i18n import N_, Texts, texts
from hub.inbox import Inbox
from hub.jobs.kind import Jobs
from hub.mail import outbox
from hub.mail.message import compose
from hub.outbound import AppointmentMessenger, Scheduled
from hub.realtime.publisher import Publisher
from hub.settings import Settings
from hub.shopper_texts import appointment_language, place, type_name, when

log = logging.getLogger("hub.booking_notices")
REMINDER_JOB = "reminder"

SUBJECTS = {
    "booked": N_("Your appointment at {store}: {when}"),
    "rescheduled": N_("Your appointment at {store} has moved: {when}"),
    "cancelled": N_("Your appointment at {store} on {when} is cancelled"),
}
# (without an ambassador, with one): a sentence each, so every language can order it.
CHAT_LINES = {
    "booked": (
        N_("Appointment booked: {type}, {when} ({place} time)."),
        N_("Appointment booked: {type}, {when} ({place} time) with {ambassador}."),
    ),
    "rescheduled": (
        N_("Appointment moved: {type}, now {when} ({place} time)."),
        N_("Appointment moved: {type}, now {when} ({place} time) with {ambassador}."),
    ),
    "cancelled": (
        N_("Appointment cancelled: {type}, {when} ({place} time)."),
        N_("Appointment cancelled: {type}, {when} ({place} time)."),
    ),
}


def where(t: Texts, row: Appointment) -> str:
    if row.kind == "virtual" and row.video_url:
        return t.gettext("Video call: {url}", url=row.video_url)
    if row.kind == "virtual":
        return t.gettext("Video call")
    store = row.store
    return ", ".join(part for part in (store.name, store.address) if part)


def local_when(t: Texts, row: Appointment) -> str:
    """The start on the store's clock, in the reader's conventions."""
    return when(t, row.starts_at, row.store.timezone)


def change_line(t: Texts, row: Appointment, event: str, ambassador: str | None) -> str:
    """What happened, in one line: the chat gets it, the e-mail starts with it."""
    alone, with_ambassador = CHAT_LINES[event]
    return t.gettext(
        with_ambassador if ambassador else alone,
        type=type_name(t, row.type.name),
        when=local_when(t, row),
        place=place(t, row.store.timezone),
        ambassador=ambassador or "",
    )


def greeting(t: Texts, name: str | None) -> str:
    return t.gettext("Dear {name},", name=name) if name else t.gettext("Dear client,")


def confirmation_text(
    t: Texts, row: Appointment, event: str, ambassador: str | None, manage_url: str | None
) -> str:
    lines = [greeting(t, row.contact_name), "", change_line(t, row, event, ambassador)]
    if event != "cancelled":
        lines += ["", where(t, row)]
        if manage_url:
            lines += ["", t.gettext("To reschedule or cancel: {url}", url=manage_url)]
        lines += ["", t.gettext("The attached calendar file adds it to your calendar.")]
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
                t = texts(await appointment_language(session, row))
                mail_id = await outbox.enqueue(
                    session,
                    self._mail(t, row, event, ambassador, token, now),
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
            await self.inbox.system_message(
                row.conversation_id,
                lambda t: f"{change_line(t, row, event, ambassador)} {where(t, row)}",
            )
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
        t: Texts,
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
            subject=t.gettext(SUBJECTS[event], store=row.store.name, when=local_when(t, row)),
            text=confirmation_text(t, row, event, ambassador, manage),
            now=now,
        )
        ics = calendar_file(
            row,
            t,
            ambassador=ambassador,
            public_url=self.settings.public_url,
            organizer_email=None,
        )
        attach_calendar(message, ics, cancelled=row.status == "cancelled")
        return message
