"""Holds and appointments: the transactional side of booking.

What can be booked is decided by ``booking.availability`` (pure) from what
``hub.booking_data`` reads; whether it *is* booked is decided by the database, whose
constraint refuses two blocking rows of one ambassador that overlap (migration 0007). So
a booking reads, chooses an ambassador, writes, and on that refusal reads again: a slot
taken meanwhile ends as ``409 slot_taken``, never as two appointments.

Shoppers hold no account: a hold and an appointment are reached with a token (32 random
bytes, only its SHA-256 stored, compared in constant time), scoped to that one row.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking.availability import free_ambassadors, free_slots
from booking.model import Slot
from hub import audit, booking_data
from hub.clock import Clock
from hub.customers import ledger_row
from hub.db.booking_models import Appointment, Reminder
from hub.db.engine import Database
from hub.db.models import Conversation, Customer
from hub.db.races import RETRYABLE_STATES, sqlstate
from hub.errors import Conflict, Gone, InvalidInput, NotFound
from hub.profiles.consent import SERVICE, ConsentEntry
from hub.profiles.identity import EMAIL, PHONE, Identity
from hub.profiles.resolve import attach, resolve_customer
from hub.security.tokens import token_digest

log = logging.getLogger("hub.bookings")

ATTEMPTS = 4
OVERLAP = "appointments_no_overlap"
REMIND_CHANNELS = (EMAIL, PHONE, "webchat", "wechat")
# Statuses a manage link may still change.
CHANGEABLE = ("booked",)


class SlotTaken(Conflict):
    code = "slot_taken"

    def __init__(self) -> None:
        super().__init__("that time was just taken: please choose another")


def overlap_refused(exc: DBAPIError) -> bool:
    """The database refused a second booking on an ambassador's blocked time, or broke a
    deadlock between two (exclusion constraints can meet each other's entries midway)."""
    if isinstance(exc, IntegrityError):
        return OVERLAP in str(exc.orig)
    return sqlstate(exc) in RETRYABLE_STATES


@dataclass(frozen=True)
class Contact:
    """Who books: typed into a form, so claims, never verified identities."""

    name: str
    email: str | None = None
    phone: str | None = None

    def claims(self) -> list[Identity]:
        found = [(EMAIL, self.email), (PHONE, self.phone)]
        return [Identity(kind, value, verified=False) for kind, value in found if value]


@dataclass(frozen=True)
class BookingRequest:
    store: str
    type: str
    start: datetime
    contact: Contact | None = None
    language: str | None = None
    ambassador_id: str | None = None
    remind_by: str | None = None
    consent_reminders: bool = False
    policy_version: str = "2026-01"
    # Proven by the caller (a visitor token, a proposal token), never taken on trust.
    conversation_id: str | None = None
    hold_id: str | None = None
    hold_token: str | None = None


@dataclass
class Placed:
    appointment: Appointment
    token: str  # the manage (or hold) token: shown once, never stored


class BookingEvents(Protocol):
    """Told after a commit (confirmations, calendar files, reminders); ``token`` is the
    manage token when the caller holds it, for the link in the confirmation."""

    async def appointment_changed(
        self, appointment_id: str, event: str, token: str | None = None
    ) -> None: ...


class _Quiet:
    async def appointment_changed(
        self, appointment_id: str, event: str, token: str | None = None
    ) -> None:
        return None


def manage_url(public_url: str, appointment_id: str, token: str) -> str:
    """The shopper's link to their appointment: the token rides in the fragment, which
    browsers never send to a server, so it stays out of access logs."""
    return f"{public_url}/book#manage={appointment_id}.{token}"


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def _token_matches(row: Appointment, token: object) -> bool:
    if not isinstance(token, str) or not token or row.token_hash is None:
        return False
    return hmac.compare_digest(row.token_hash, token_digest(token))


@dataclass
class BookingService:
    db: Database
    clock: Clock
    video_url_template: str = "https://meet.jit.si/concierge-{room}"
    hold_minutes: float = 10.0
    reminder_minutes: tuple[int, ...] = (24 * 60, 60)
    events: BookingEvents = field(default_factory=_Quiet)
    setups: booking_data.SetupCache = field(default_factory=booking_data.SetupCache)

    # -- reading ---------------------------------------------------------------------

    async def availability(
        self,
        store: str,
        type_code: str,
        start: datetime,
        end: datetime,
        *,
        ambassador_id: str | None = None,
        language: str | None = None,
    ) -> tuple[booking_data.Inputs, list[Slot]]:
        now = self.clock()
        async with self.db.reading() as session:
            setup = await self.setups.get(session, store, now)
            data = await booking_data.inputs(
                session, store, type_code, start, end, now, setup=setup
            )
        slots = free_slots(
            store=data.calendar,
            ambassadors=data.ambassadors,
            bookings=data.bookings,
            appointment_type=data.appointment_type,
            window_start=start,
            window_end=end,
            now=now,
            ambassador_id=ambassador_id,
            language=language,
        )
        return data, slots

    async def by_token(self, appointment_id: object, token: object) -> Appointment:
        """The appointment a manage link points to; 404 for any mismatch, alike."""
        async with self.db.reading() as session:
            return await self._by_token(session, appointment_id, token)

    async def _by_token(
        self, session: AsyncSession, appointment_id: object, token: object
    ) -> Appointment:
        row = None
        if isinstance(appointment_id, str) and len(appointment_id) <= 36:
            row = await session.get(Appointment, appointment_id)
        if row is None or row.status == "held" or not _token_matches(row, token):
            raise NotFound("no such appointment, or the link is not valid", code="not_found")
        return row

    # -- writing ---------------------------------------------------------------------

    async def _retrying(self, work: Callable[[AsyncSession], Awaitable[Placed]]) -> Placed:
        """Run ``work`` in a transaction; on the overlap refusal, read again and retry."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.db.transaction() as session:
                    return await work(session)
            except DBAPIError as exc:
                if not overlap_refused(exc):
                    raise
                log.info("booking raced, retrying", extra={"fields": {"attempt": attempt}})
        raise SlotTaken

    async def _slot(
        self,
        session: AsyncSession,
        store: str,
        type_code: str,
        start: datetime,
        *,
        language: str | None,
        ambassador_id: str | None = None,
        ignore: str | None = None,
    ) -> tuple[booking_data.Inputs, Slot, str]:
        """The free slot starting at ``start`` and the ambassador who gets it, or why not."""
        now = self.clock()
        data = await booking_data.inputs(
            session, store, type_code, start, start + timedelta(minutes=1), now, ignore=ignore
        )

        def find(bookings: list[Any]) -> Slot | None:
            found = free_slots(
                store=data.calendar,
                ambassadors=data.ambassadors,
                bookings=bookings,
                appointment_type=data.appointment_type,
                window_start=start,
                window_end=start + timedelta(minutes=1),
                now=now,
                ambassador_id=ambassador_id,
                language=language,
            )
            return next((slot for slot in found if slot.start == start), None)

        slot = find(data.bookings)
        if slot is None:
            if find([]) is not None:
                raise SlotTaken
            raise InvalidInput(
                "start", "that time cannot be booked: choose one of the available times"
            )
        candidates = free_ambassadors(
            slot, bookings=data.bookings, appointment_type=data.appointment_type
        )
        if not candidates:
            raise SlotTaken
        return data, slot, await self._take_turn(session, candidates)

    async def _take_turn(self, session: AsyncSession, candidates: list[str]) -> str:
        """The candidate this transaction writes for, holding their lock until it ends.

        On PostgreSQL, writers for one ambassador queue on a transaction lock. A writer
        first tries each free candidate without waiting, so shoppers racing for one time
        spread over the ambassadors free then, instead of all queueing for the first and
        failing one after another; only when all are busy does it wait for the best. The
        constraint stays the guarantee; the locks spare racing writers the deadlocks that
        exclusion checks meeting midway would otherwise cause. SQLite writers are serial.
        """
        if session.get_bind().dialect.name != "postgresql":
            return candidates[0]
        for candidate in candidates:
            taken = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"appointments:{candidate}"},
            )
            if taken:
                return candidate
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"appointments:{candidates[0]}"},
        )
        return candidates[0]

    async def _free_expired_holds(self, session: AsyncSession, ambassador_id: str) -> None:
        """Expired holds still occupy the constraint: clear the ambassador's first (under
        the lock ``_take_turn`` holds)."""
        await session.execute(
            delete(Appointment).where(
                Appointment.ambassador_id == ambassador_id,
                Appointment.status == "held",
                Appointment.hold_expires_at <= self.clock(),
            )
        )

    def _row(
        self, data: booking_data.Inputs, slot: Slot, ambassador_id: str, status: str
    ) -> Appointment:
        now = self.clock()
        kind = data.type_row
        start, end = slot.start, slot.end
        return Appointment(
            store_id=data.store.id,
            type_id=kind.id,
            ambassador_id=ambassador_id,
            status=status,
            kind=kind.kind,
            starts_at=start,
            ends_at=end,
            block_start=start - timedelta(minutes=kind.buffer_before_minutes),
            block_end=end + timedelta(minutes=kind.buffer_after_minutes),
            sequence=0,
            created_at=now,
            updated_at=now,
        )

    async def hold(
        self,
        store: str,
        type_code: str,
        start: datetime,
        *,
        language: str | None = None,
        ambassador_id: str | None = None,
    ) -> Placed:
        """Keep a slot for ``hold_minutes`` while the shopper fills in the form."""

        async def work(session: AsyncSession) -> Placed:
            data, slot, chosen = await self._slot(
                session, store, type_code, start, language=language, ambassador_id=ambassador_id
            )
            await self._free_expired_holds(session, chosen)
            row = self._row(data, slot, chosen, "held")
            row.language = language
            row.hold_expires_at = self.clock() + timedelta(minutes=self.hold_minutes)
            token, row.token_hash = _new_token()
            session.add(row)
            await session.flush()
            await session.refresh(row, ["store", "type"])
            return Placed(row, token)

        return await self._retrying(work)

    async def release(self, hold_id: object, token: object) -> None:
        async with self.db.transaction() as session:
            row = await self._hold(session, hold_id, token)
            await session.delete(row)

    async def _hold(self, session: AsyncSession, hold_id: object, token: object) -> Appointment:
        row = await session.get(Appointment, hold_id) if isinstance(hold_id, str) else None
        if row is None or row.status != "held" or not _token_matches(row, token):
            raise NotFound("no such hold", code="hold_not_found")
        if row.hold_expires_at is None or row.hold_expires_at <= self.clock():
            raise Gone("the hold has expired: choose a time again", code="hold_expired")
        return row

    async def book(self, request: BookingRequest) -> Placed:
        placed = await self._retrying(lambda session: self._book(session, request))
        await self.events.appointment_changed(placed.appointment.id, "booked", placed.token)
        return placed

    async def _book(self, session: AsyncSession, request: BookingRequest) -> Placed:
        now = self.clock()
        if request.hold_id is not None:
            row = await self._hold(session, request.hold_id, request.hold_token)
            data = await booking_data.inputs(
                session, request.store, request.type, row.starts_at, row.ends_at, now
            )
            if data.type_row.id != row.type_id or row.starts_at != request.start:
                raise InvalidInput("hold_id", "the hold is for another time or type")
        else:
            data, slot, chosen = await self._chosen_slot(session, request)
            await self._free_expired_holds(session, chosen)
            row = self._row(data, slot, chosen, "booked")
            session.add(row)
        row.status = "booked"
        row.hold_expires_at = None
        row.language = request.language or row.language
        customer = await self._customer(session, request, data.store.id, now)
        row.customer_id = customer.id
        row.conversation_id = request.conversation_id
        if request.contact is not None:
            row.contact_name = request.contact.name
            row.contact_email = request.contact.email
            row.contact_phone = request.contact.phone
        row.remind_by = request.remind_by if request.consent_reminders else None
        if row.kind == "virtual":
            row.video_url = self.video_url_template.replace("{room}", secrets.token_urlsafe(16))
        token, row.token_hash = _new_token()
        row.updated_at = now
        await session.flush()
        await session.refresh(row, ["store", "type"])
        self._consent(session, request, customer.id, now)
        self._reminders(session, row, now)
        audit.record(
            session,
            at=now,
            actor_kind="customer",
            actor_id=customer.id,
            action="appointment.booked",
            subject_type="appointment",
            subject_id=row.id,
            store_id=row.store_id,
            ambassador_id=row.ambassador_id,
            starts_at=row.starts_at.isoformat(),
        )
        return Placed(row, token)

    async def _chosen_slot(
        self, session: AsyncSession, request: BookingRequest
    ) -> tuple[booking_data.Inputs, Slot, str]:
        """The slot and who takes it: the ambassador asked for; else, from a chat, the
        ambassador of that conversation when free (they proposed the time); else anyone."""
        preferred = request.ambassador_id
        if preferred is None and request.conversation_id is not None:
            preferred = await session.scalar(
                select(Conversation.assigned_staff_id).where(
                    Conversation.id == request.conversation_id
                )
            )
            if preferred is not None:
                try:
                    return await self._slot(
                        session,
                        request.store,
                        request.type,
                        request.start,
                        language=request.language,
                        ambassador_id=preferred,
                    )
                except (SlotTaken, InvalidInput):
                    preferred = None
        return await self._slot(
            session,
            request.store,
            request.type,
            request.start,
            language=request.language,
            ambassador_id=preferred,
        )

    async def _customer(
        self, session: AsyncSession, request: BookingRequest, store_id: str, now: datetime
    ) -> Customer:
        """Like any inbound message: the proven conversation's customer, else a profile
        of its own holding the typed details as claims."""
        claims = request.contact.claims() if request.contact else []
        name = request.contact.name if request.contact else None
        if request.conversation_id is not None:
            conversation = await session.get(Conversation, request.conversation_id)
            if conversation is None:
                raise NotFound("no such conversation", code="not_found")
            customer = await session.get(Customer, conversation.customer_id)
            assert customer is not None
            await session.refresh(customer, ["identities"])
            if name and not customer.name:
                customer.name = name
            await attach(session, customer, claims, now)
            return customer
        if request.contact is None:
            raise InvalidInput("customer", "customer name and an e-mail or phone are required")
        return await resolve_customer(
            session, identities=claims, display_name=name, home_store_id=store_id, now=now
        )

    def _consent(
        self, session: AsyncSession, request: BookingRequest, customer_id: str, now: datetime
    ) -> None:
        if not request.consent_reminders or request.remind_by not in (EMAIL, PHONE):
            return
        session.add(
            ledger_row(
                customer_id,
                ConsentEntry(
                    channel=request.remind_by,
                    purpose=SERVICE,
                    granted=True,
                    source="booking_form",
                    policy_version=request.policy_version,
                    actor_kind="customer",
                    actor_id=None,
                    at=now,
                ),
            )
        )

    def _reminders(self, session: AsyncSession, row: Appointment, now: datetime) -> None:
        """One row per reminder still ahead; the table is what the job runner reads."""
        if row.remind_by is None:
            return
        for minutes in self.reminder_minutes:
            due = row.starts_at - timedelta(minutes=minutes)
            if due > now:
                session.add(
                    Reminder(
                        appointment_id=row.id,
                        offset_minutes=minutes,
                        due_at=due,
                        channel=row.remind_by,
                        attempts=0,
                        status="queued",
                        next_attempt_at=due,
                        created_at=now,
                    )
                )

    async def _drop_pending_reminders(self, session: AsyncSession, appointment_id: str) -> None:
        await session.execute(
            delete(Reminder).where(
                Reminder.appointment_id == appointment_id, Reminder.sent_at.is_(None)
            )
        )

    def _changeable(self, row: Appointment) -> None:
        if row.status not in CHANGEABLE:
            raise Conflict(f"the appointment is {row.status}", code="appointment_" + row.status)
        if row.starts_at <= self.clock():
            raise Gone("the appointment has passed", code="appointment_passed")

    async def reschedule(self, appointment_id: object, token: object, start: datetime) -> Placed:
        """Move to another free time: the same ambassador when free, else a colleague."""

        async def work(session: AsyncSession) -> Placed:
            row = await self._by_token(session, appointment_id, token)
            self._changeable(row)
            type_row = row.type
            store = row.store
            try:
                data, slot, chosen = await self._slot(
                    session,
                    store.code,
                    type_row.code,
                    start,
                    language=row.language,
                    ambassador_id=row.ambassador_id,
                    ignore=row.id,
                )
            except (SlotTaken, InvalidInput):
                data, slot, chosen = await self._slot(
                    session, store.code, type_row.code, start, language=row.language, ignore=row.id
                )
            await self._free_expired_holds(session, chosen)
            now = self.clock()
            previous = row.starts_at
            row.ambassador_id = chosen
            row.starts_at, row.ends_at = slot.start, slot.end
            row.block_start = slot.start - timedelta(minutes=data.type_row.buffer_before_minutes)
            row.block_end = slot.end + timedelta(minutes=data.type_row.buffer_after_minutes)
            row.sequence += 1
            row.updated_at = now
            await session.flush()
            await self._drop_pending_reminders(session, row.id)
            self._reminders(session, row, now)
            audit.record(
                session,
                at=now,
                actor_kind="customer",
                actor_id=row.customer_id,
                action="appointment.rescheduled",
                subject_type="appointment",
                subject_id=row.id,
                previous=previous.isoformat(),
                starts_at=row.starts_at.isoformat(),
            )
            return Placed(row, "")

        placed = await self._retrying(work)
        await self.events.appointment_changed(
            placed.appointment.id, "rescheduled", token if isinstance(token, str) else None
        )
        return placed

    async def cancel(self, appointment_id: object, token: object) -> Appointment:
        async with self.db.transaction() as session:
            row = await self._by_token(session, appointment_id, token)
            self._changeable(row)
            now = self.clock()
            row.status = "cancelled"
            row.cancelled_at = now
            row.sequence += 1
            row.updated_at = now
            await self._drop_pending_reminders(session, row.id)
            audit.record(
                session,
                at=now,
                actor_kind="customer",
                actor_id=row.customer_id,
                action="appointment.cancelled",
                subject_type="appointment",
                subject_id=row.id,
            )
        await self.events.appointment_changed(row.id, "cancelled")
        return row

    async def mark(
        self, session: AsyncSession, row: Appointment, status: object, actor: str
    ) -> None:
        """An ambassador records how it went: completed or no-show, once it has started."""
        if status not in ("completed", "no_show"):
            raise InvalidInput("status", "status must be completed or no_show")
        if row.status not in ("booked", "completed", "no_show"):
            raise Conflict(f"the appointment is {row.status}", code="appointment_" + row.status)
        now = self.clock()
        if row.starts_at > now:
            raise Conflict("the appointment has not started yet", code="appointment_ahead")
        await session.execute(
            update(Appointment)
            .where(Appointment.id == row.id)
            .values(status=status, updated_at=now)
        )
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=actor,
            action=f"appointment.{status}",
            subject_type="appointment",
            subject_id=row.id,
        )
