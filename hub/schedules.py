"""When a store opens on particular dates, and when its ambassadors work: what booking
reads besides the weekly opening hours. Every change is audited.

Dates and weekly hours are the store's wall clock (``booking.hours`` notation); time off
is a span of real time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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


def instant(raw: Any, field: str, zone: str | None = None) -> datetime:
    """An ISO 8601 date-time; one without an offset is read on ``zone``'s clock (a
    store's), and refused by ``add_time_off`` when there is no zone to read it on."""
    if not isinstance(raw, str):
        raise InvalidInput(field, f"{field} must be an ISO 8601 date-time")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, f"{raw!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None and zone is not None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    try:
        value.astimezone(UTC)  # what the database stores
    except (OverflowError, ValueError):
        raise InvalidInput(field, f"{raw!r} is out of range") from None
    return value


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


async def remove_time_off(
    session: AsyncSession,
    staff: Staff,
    time_off_id: object,
    *,
    now: datetime,
    actor: tuple[str, str | None],
) -> None:
    """Take back one span of their time off; another person's span is not found."""
    row = await session.get(StaffTimeOff, time_off_id) if isinstance(time_off_id, str) else None
    if row is None or row.staff_id != staff.id:
        raise NotFound("no such time off", code="unknown_time_off")
    await session.delete(row)
    audit.record(
        session,
        at=now,
        actor_kind=actor[0],
        actor_id=actor[1],
        action="staff.time_off_removed",
        subject_type="staff",
        subject_id=staff.id,
        starts_at=row.starts_at.isoformat(),
        ends_at=row.ends_at.isoformat(),
    )
