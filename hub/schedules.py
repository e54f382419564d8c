"""When a store opens on particular dates, and when its ambassadors work: what booking
reads besides the weekly opening hours. Every change is audited.

Dates and weekly hours are the store's wall clock (``booking.hours`` notation); time off
is a span of real time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.hours import HoursError, WeeklyHours, parse_hours
from hub import audit
from hub.db.booking_models import StaffSchedule, StaffTimeOff, StoreHoursException
from hub.db.models import Staff, StaffStore, Store
from hub.errors import InvalidInput, NotFound


def day_ranges(text: str) -> list[list[str]]:
    """``"10:00-14:00 15:00-18:00"``: one date's special hours."""
    try:
        return parse_hours(f"Mon {text}")["mon"]
    except HoursError as exc:
        raise InvalidInput("hours", f"hours: {exc}") from None


def weekly(text: str) -> WeeklyHours:
    try:
        return parse_hours(text)
    except HoursError as exc:
        raise InvalidInput("hours", f"hours: {exc}") from None


async def set_special_hours(
    session: AsyncSession,
    store: Store,
    day: date,
    ranges: list[list[str]],
    *,
    note: str | None,
    now: datetime,
    actor: tuple[str, str | None],
) -> None:
    """That date's hours instead of the weekly ones; ``[]`` closes the store for the day."""
    existing = await session.get(StoreHoursException, (store.id, day))
    if existing is None:
        session.add(StoreHoursException(store_id=store.id, day=day, ranges=ranges, note=note))
    else:
        existing.ranges, existing.note = ranges, note
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="store.special_hours",
        subject_type="store",
        subject_id=store.id,
        day=day.isoformat(),
        ranges=ranges,
    )


async def staff_in_store(session: AsyncSession, email: str, store: Store) -> Staff:
    staff = await session.scalar(
        select(Staff)
        .join(StaffStore, StaffStore.staff_id == Staff.id)
        .where(Staff.email == email.lower(), StaffStore.store_id == store.id)
    )
    if staff is None:
        raise NotFound(f"{email} does not work at {store.code}", code="unknown_staff")
    return staff


async def set_schedule(
    session: AsyncSession,
    staff: Staff,
    store: Store,
    hours: WeeklyHours | None,
    *,
    now: datetime,
    actor: tuple[str, str | None],
) -> None:
    """Their weekly hours in that store; None: they work whenever the store is open."""
    await session.execute(
        delete(StaffSchedule).where(
            StaffSchedule.staff_id == staff.id, StaffSchedule.store_id == store.id
        )
    )
    if hours is not None:
        session.add(StaffSchedule(staff_id=staff.id, store_id=store.id, hours=hours))
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="staff.schedule",
        subject_type="staff",
        subject_id=staff.id,
        store_id=store.id,
        hours=hours,
    )


async def add_time_off(
    session: AsyncSession,
    staff: Staff,
    start: datetime,
    end: datetime,
    *,
    reason: str | None,
    now: datetime,
    actor: tuple[str, str | None],
) -> StaffTimeOff:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("from", "give times with their offset, e.g. 2026-12-24T14:00+01:00")
    if end <= start:
        raise InvalidInput("to", "time off must end after it starts")
    row = StaffTimeOff(staff_id=staff.id, starts_at=start, ends_at=end, reason=reason)
    session.add(row)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="staff.time_off",
        subject_type="staff",
        subject_id=staff.id,
        starts_at=start.isoformat(),
        ends_at=end.isoformat(),
    )
    return row
