"""Booking tables: special opening hours, ambassadors' schedules and time off, holds and
appointments, and the reminders that are the source of truth for what is still to send.

The database keeps bookings honest: an ambassador's blocked time (the appointment with
its buffers) never overlaps another live one. PostgreSQL enforces it with an exclusion
constraint; SQLite, whose writers are serialised, with triggers that check inside the
writing transaction (see migration 0007). Held and booked rows take part; cancelled and
expired holds do not block (an expired hold is deleted before the next write for that
ambassador).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.jobs_models import DeliveryState
from hub.db.models import AppointmentType, Base, Store, new_id
from hub.db.types import JSONType, UTCDateTime

# Statuses that occupy an ambassador's time.
BLOCKING = ("held", "booked", "completed", "no_show")


class StoreHoursException(Base):
    """One local date's hours instead of the weekly ones: ``[]`` is closed (a holiday)."""

    __tablename__ = "store_hours_exceptions"

    store_id: Mapped[str] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ranges: Mapped[list[list[str]]] = mapped_column(JSONType)  # [["10:00", "14:00"]]
    note: Mapped[str | None] = mapped_column(String(200))


class StaffSchedule(Base):
    """When an ambassador works in a store, weekly; no row: the store's opening hours."""

    __tablename__ = "staff_schedules"

    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    store_id: Mapped[str] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONType)


class StaffTimeOff(Base):
    __tablename__ = "staff_time_off"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))


class Appointment(Base):
    """A hold (a slot kept for a few minutes while the shopper fills in the form) or an
    appointment. ``block_start``/``block_end`` include the buffers it was booked with."""

    __tablename__ = "appointments"
    __table_args__ = (
        # Calendars and the overlap check ask "blocks of these ambassadors ending after T":
        # by block_end, an index skips the past instead of reading every old appointment.
        Index("ix_appointments_ambassador_id_block_end", "ambassador_id", "block_end"),
        Index("ix_appointments_store_id_starts_at", "store_id", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    type_id: Mapped[str] = mapped_column(ForeignKey("appointment_types.id"))
    ambassador_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    # held | booked | cancelled | completed | no_show
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # virtual | in_store
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    block_start: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end: Mapped[datetime] = mapped_column(UTCDateTime)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(35))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    # The channel the customer agreed to be reminded by (email | phone | webchat | wechat).
    remind_by: Mapped[str | None] = mapped_column(String(16))
    video_url: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the hold's or the manage link's token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The calendar file's SEQUENCE: raised on every reschedule and on cancellation.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship(lazy="joined")
    type: Mapped[AppointmentType] = relationship(lazy="joined")


class Reminder(DeliveryState, Base):
    """A reminder to send: the table, not a job queue, is the truth (a lost job is
    re-created from here; the claim and ``sent_at`` make a repeated job a no-op).
    ``next_attempt_at`` starts at the due time and moves on with retries."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        UniqueConstraint("appointment_id", "offset_minutes"),
        Index("ix_appointment_reminders_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    offset_minutes: Mapped[int] = mapped_column(Integer)  # before the start
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
