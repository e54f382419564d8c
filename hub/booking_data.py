"""Reading what availability needs from the database, as ``booking``'s plain data.

Everything a query needs is read in a handful of statements bounded by the window: the
store's special hours in it, the qualified staff with their schedules and time off, and
the blocking rows (held, booked, done) of those ambassadors that touch it. Expired holds
are left out, which is what frees their slots.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.hours import as_ranges
from booking.intervals import utc
from booking.model import AmbassadorSchedule, AppointmentType, Booking, StoreCalendar
from booking.wallclock import day_bounds
from hub.db.booking_models import (
    BLOCKING,
    Appointment,
    StaffSchedule,
    StaffTimeOff,
    StoreHoursException,
)
from hub.db.models import AppointmentType as TypeRow
from hub.db.models import Staff, StaffStore, Store
from hub.db.types import epoch_seconds
from hub.errors import NotFound

# Who takes appointments: everyone who serves customers in the store.
BOOKABLE_ROLES = ("ambassador", "manager")
MAX_KEPT_SETUPS = 1000  # stores; beyond that, start afresh
# No appointment with its buffers spans longer (types last at most 8 h plus 2 x 4 h of
# buffers, see hub.stores.TypeSpec).
LONGEST_BLOCK = timedelta(days=1)


def appointment_type(row: TypeRow) -> AppointmentType:
    return AppointmentType(
        code=row.code,
        kind=row.kind,  # type: ignore[arg-type]  # checked by the model
        duration=timedelta(minutes=row.duration_minutes),
        buffer_before=timedelta(minutes=row.buffer_before_minutes),
        buffer_after=timedelta(minutes=row.buffer_after_minutes),
        min_notice=timedelta(minutes=row.min_notice_minutes),
        max_ahead=timedelta(days=row.max_ahead_days),
        languages=frozenset(row.languages or ()),
        skills=frozenset(row.skills or ()),
    )


async def store_calendar(
    session: AsyncSession, store: Store, first: date, last: date
) -> StoreCalendar:
    rows = await session.scalars(
        select(StoreHoursException).where(
            StoreHoursException.store_id == store.id,
            StoreHoursException.day >= first,
            StoreHoursException.day <= last,
        )
    )
    return StoreCalendar(
        store_id=store.id,
        timezone=store.timezone,
        weekly=store.opening_hours,
        exceptions={row.day: as_ranges(row.ranges) for row in rows},
    )


async def ambassadors(
    session: AsyncSession, store: Store, start: datetime, end: datetime
) -> list[AmbassadorSchedule]:
    """The store's active bookable staff, with their schedule there and time off."""
    # Columns, not entities: a Staff entity loads its store links (and their stores) too.
    staff = (
        await session.execute(
            select(Staff.id, Staff.languages, Staff.skills)
            .join(StaffStore, StaffStore.staff_id == Staff.id)
            .where(
                StaffStore.store_id == store.id,
                Staff.active.is_(True),
                Staff.role.in_(BOOKABLE_ROLES),
            )
            .order_by(Staff.id)
        )
    ).all()
    ids = [member.id for member in staff]
    schedules = {
        row.staff_id: row.hours
        for row in await session.scalars(
            select(StaffSchedule).where(
                StaffSchedule.store_id == store.id, StaffSchedule.staff_id.in_(ids)
            )
        )
    }
    time_off: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for row in await session.scalars(
        select(StaffTimeOff).where(
            StaffTimeOff.staff_id.in_(ids),
            StaffTimeOff.starts_at < end,
            StaffTimeOff.ends_at > start,
        )
    ):
        time_off[row.staff_id].append((row.starts_at, row.ends_at))
    return [
        AmbassadorSchedule(
            ambassador_id=member.id,
            languages=frozenset(member.languages or ()),
            skills=frozenset(member.skills or ()),
            weekly=schedules.get(member.id),
            time_off=tuple(time_off[member.id]),
        )
        for member in staff
    ]


def live_blocking(now: datetime) -> object:
    """Rows that take an ambassador's time now: not cancelled, not an expired hold."""
    return and_(
        Appointment.status.in_(BLOCKING),
        or_(Appointment.status != "held", Appointment.hold_expires_at > now),
    )


async def bookings(
    session: AsyncSession,
    ambassador_ids: list[str],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    ignore: str | None = None,
) -> list[Booking]:
    """Blocking rows of these ambassadors that touch ``[start, end)``; ``ignore`` leaves one
    out (the appointment being moved)."""
    # Columns, not entities: an Appointment would bring its store and type along (joined
    # eagerly) and pass through the identity map. And whole seconds, not datetimes: the
    # rows of a busy week are a thousand, and only their blocked spans matter here.
    query = select(
        Appointment.ambassador_id,
        epoch_seconds(Appointment.starts_at),
        epoch_seconds(Appointment.block_start),
        epoch_seconds(Appointment.block_end),
    ).where(
        Appointment.ambassador_id.in_(ambassador_ids),
        Appointment.block_start < end,
        Appointment.block_end > start,
        # Implied by the line above (no block is longer), and what lets the index on
        # (ambassador, block_end) read just the window instead of everything after it.
        Appointment.block_end < end + LONGEST_BLOCK,
        live_blocking(now),  # type: ignore[arg-type]
    )
    if ignore is not None:
        query = query.where(Appointment.id != ignore)
    rows = await session.execute(query)
    # Appointments sit on a grid, so the same instants recur: make each datetime once.
    instants: dict[int, datetime] = {}

    def moment(seconds: int) -> datetime:
        found = instants.get(seconds)
        if found is None:
            found = instants[seconds] = datetime.fromtimestamp(seconds, UTC)
        return found

    # The booking's end is its block's end, with no buffer after: the same blocked span,
    # and its start (which local day it counts for) unchanged.
    found = []
    for ambassador_id, starts_at, block_start, block_end in rows:
        start = moment(starts_at)
        found.append(
            Booking(
                ambassador_id=ambassador_id,
                start=start,
                end=moment(block_end),
                buffer_before=start - moment(block_start),
            )
        )
    return found


@dataclass(frozen=True)
class Inputs:
    """Everything ``booking.availability.free_slots`` needs for one store, type and window."""

    store: Store
    type_row: TypeRow
    calendar: StoreCalendar
    ambassadors: list[AmbassadorSchedule]
    bookings: list[Booking]

    @property
    def appointment_type(self) -> AppointmentType:
        return appointment_type(self.type_row)


@dataclass(frozen=True)
class Setup:
    """What a store's calendar is made of besides appointments: the store, its active
    types, special hours and its bookable staff with schedules and time off from
    yesterday on. Edited by managers now and then, read by every availability query."""

    store: Store
    types: dict[str, TypeRow]
    calendar: StoreCalendar
    ambassadors: list[AmbassadorSchedule]


async def load_setup(session: AsyncSession, store_code: str, now: datetime) -> Setup:
    store = await session.scalar(select(Store).where(Store.code == store_code.upper()))
    if store is None:
        raise NotFound(f"store {store_code} does not exist", code="unknown_store")
    types = {
        row.code: row
        for row in await session.scalars(
            select(TypeRow).where(TypeRow.store_id == store.id, TypeRow.active.is_(True))
        )
    }
    since = now - timedelta(days=2)  # nothing before is ever offered or booked again
    zone = ZoneInfo(store.timezone)
    calendar = await store_calendar(session, store, since.astimezone(zone).date(), date.max)
    staff = await ambassadors(session, store, since, datetime.max.replace(tzinfo=UTC))
    return Setup(store, types, calendar, staff)


class SetupCache:
    """Setups kept for ``seconds`` per process, for the queries shoppers make while they
    browse: a schedule change shows within that time. Bookings never use it (they read
    everything fresh in their own transaction), so nothing is booked on stale rules."""

    def __init__(self, seconds: float = 10.0, monotonic: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.monotonic = monotonic
        self._kept: dict[str, tuple[float, Setup]] = {}

    async def get(self, session: AsyncSession, store_code: str, now: datetime) -> Setup:
        key = store_code.upper()
        kept = self._kept.get(key)
        if kept is not None and self.monotonic() - kept[0] < self.seconds:
            return kept[1]
        setup = await load_setup(session, key, now)
        if len(self._kept) >= MAX_KEPT_SETUPS:
            self._kept.clear()
        self._kept[key] = (self.monotonic(), setup)
        return setup

    def forget(self, store_code: str) -> None:
        """The store's setup was edited here (``hub.api.store_admin``): read it afresh."""
        self._kept.pop(store_code.upper(), None)


async def inputs(
    session: AsyncSession,
    store_code: str,
    type_code: str,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    ignore: str | None = None,
    setup: Setup | None = None,
) -> Inputs:
    """What ``free_slots`` needs for a window; the setup is read unless one is given."""
    if setup is None:
        setup = await load_setup(session, store_code, now)
    type_row = setup.types.get(type_code)
    if type_row is None:
        raise NotFound(
            f"store {setup.store.code} has no appointment type {type_code!r}",
            code="unknown_type",
        )
    kind = appointment_type(type_row)
    zone = setup.calendar.zone
    # Only rows that can decide something: those of ambassadors qualified for the type.
    qualified = [m.ambassador_id for m in setup.ambassadors if m.qualifies(kind, None)]
    taken = await bookings(
        session, qualified, *consulted(start, end, kind, zone), now, ignore=ignore
    )
    return Inputs(setup.store, type_row, setup.calendar, setup.ambassadors, taken)


def consulted(
    start: datetime, end: datetime, kind: AppointmentType, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The span whose blocks a start in ``[start, end)`` can meet: its appointment with the
    type's buffers, widened to whole local days at both ends, as choosing who gets a slot
    weighs each ambassador's bookings that day (``first_free_ambassador``)."""
    start, end = utc(start), utc(end)  # elapsed time, not wall-clock arithmetic
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta.resolution).astimezone(zone).date()
    return (
        min(start - kind.buffer_before, day_bounds(first_day, zone)[0]),
        max(end + kind.duration + kind.buffer_after, day_bounds(last_day, zone)[1]),
    )
