"""A deterministic month of a busy Paris boutique's calendar, for the availability benchmark.

Fifty bookable staff (a few managers) with varied languages and skills, a third of them on
part-time or split weekly schedules, some with a holiday or a dentist's hour off; a store
open Mon-Sat 10:00-19:00 with a few special days; appointments filling about 60% of
everyone's working time over the next ``days``, plus ``history_days`` of past ones (a real
store has them, and the queries must step over them). One ambassador's blocks (appointment
plus buffers) never overlap, as the database demands; cancelled rows may sit on top of live
ones, as they do in life. The same seed gives the same calendar, ids included.

Working hours come from ``booking``'s own wall-clock helpers, so the generator and the code
under test agree on what "10:00 in Paris" means. ``load`` writes a month into a migrated
database: the store through the hub's ``add_store``, the rest in bulk inserts (which the
database still checks: an overlapping block would be refused).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from booking.hours import as_ranges, parse_hours, ranges_on
from booking.intervals import Interval, IntervalSet
from booking.wallclock import day_intervals
from hub.db.booking_models import Appointment, StaffSchedule, StaffTimeOff, StoreHoursException
from hub.db.engine import Database
from hub.db.models import AppointmentType, Staff, StaffStore
from hub.stores import NewStore, add_store

STORE_CODE = "PARIS01"
TIMEZONE = "Europe/Paris"
HOURS = "Mon-Sat 10:00-19:00"
# A Wednesday, 11:00 in Paris: the instant the booking integration tests start from.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ZONE = ZoneInfo(TIMEZONE)
GRID = timedelta(minutes=15)
# Closed (``[]``) or special hours on these local dates, as ``store_hours_exceptions`` holds
# them: an inventory day, Sunday openings and shorter hours around Christmas.
EXCEPTIONS: dict[date, list[list[str]]] = {
    date(2026, 12, 1): [],
    date(2026, 12, 13): [["11:00", "18:00"]],
    date(2026, 12, 20): [["11:00", "18:00"]],
    date(2026, 12, 24): [["10:00", "16:00"]],
    date(2026, 12, 25): [],
    date(2026, 12, 31): [["10:00", "17:00"]],
    date(2027, 1, 1): [],
}
SCHEDULES = (
    "Mon-Fri 10:00-19:00",
    "Tue-Sat 10:00-19:00",
    "Mon-Wed 10:00-19:00; Sat 10:00-19:00",
    "Mon-Fri 10:00-15:00",
    "Wed-Sat 13:00-19:00",
    "Mon-Sat 10:00-14:00 15:00-19:00",
)
EXTRA_LANGUAGES = ("zh", "zh", "ja", "ar", "it", "de", "es", "ru", "ko", "pt")
SKILLS = (("bridal", 0.3), ("watches", 0.2), ("high-jewellery", 0.15))
# Minutes of quiet between two blocks, tuned so that about 60% of working time is blocked.
GAPS = (0, 15, 30, 45, 60, 90, 120)
GAP_WEIGHTS = (36, 18, 14, 10, 10, 8, 4)


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    kind: str
    minutes: int
    before: int
    after: int
    skills: tuple[str, ...] = ()
    weight: float = 1.0  # how often it is booked, and asked for


TYPES = (
    TypeSpec("in-store", "In-store appointment", "in_store", 60, 15, 15, weight=0.55),
    TypeSpec("virtual", "Virtual appointment", "virtual", 30, 0, 5, weight=0.30),
    TypeSpec("bridal", "Bridal consultation", "in_store", 90, 15, 15, ("bridal",), 0.15),
)


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    email: str
    role: str
    languages: tuple[str, ...]
    skills: tuple[str, ...] = ()
    hours: str | None = None
    time_off: tuple[Interval, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class Visit:
    """One row of ``appointments``, named as its columns; blocks include the buffers."""

    ambassador_id: str
    type_code: str
    status: str
    starts_at: datetime
    ends_at: datetime
    block_start: datetime
    block_end: datetime
    hold_expires_at: datetime | None = None


@dataclass(frozen=True)
class Month:
    members: list[Member]  # the bookable ones
    visits: list[Visit]
    working_minutes: int  # over the days ahead, time off excluded
    blocked_minutes: int  # of those, taken by live blocks (buffers included)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZONE).astimezone(UTC)


def _time_off(rng: random.Random, index: int) -> tuple[Interval, ...]:
    """A holiday of a few days for some, a couple of hours out for others."""
    first = NOW.astimezone(ZONE).date() + timedelta(days=rng.randrange(1, 26))
    if index % 7 == 0:
        back = first + timedelta(days=rng.randint(2, 6))
        return ((_local(first, "00:00"), _local(back, "00:00")),)
    if index % 7 == 3:
        start = _local(first, rng.choice(("10:00", "11:30", "14:00", "16:00")))
        return ((start, start + timedelta(hours=rng.choice((1, 2, 3)))),)
    return ()


def members(rng: random.Random, count: int = 50) -> list[Member]:
    found = []
    for index in range(count):
        languages = ["fr"] + (["en"] if rng.random() < 0.8 else [])
        if rng.random() < 0.45:
            languages.append(rng.choice(EXTRA_LANGUAGES))
        skills = tuple(skill for skill, share in SKILLS if rng.random() < share)
        member = Member(
            id=_id(rng),
            name=f"Ambassador {index:02d}",
            email=f"ambassador{index:02d}@bench.concierge",
            role="manager" if index % 17 == 0 else "ambassador",
            languages=tuple(dict.fromkeys(languages)),
            skills=skills,
            hours=SCHEDULES[index % len(SCHEDULES)] if index % 3 == 1 else None,
            time_off=_time_off(rng, index),
        )
        found.append(member)
    return found


def _store_ranges(day: date) -> list[tuple[time, time]]:
    if day in EXCEPTIONS:
        return as_ranges(EXCEPTIONS[day])
    return ranges_on(parse_hours(HOURS), day.weekday())


def working(member: Member, day: date) -> list[Interval]:
    """A member's hours on one local date: the store's, narrowed by their schedule."""
    opening = IntervalSet.of(day_intervals(day, _store_ranges(day), ZONE))
    if member.hours is not None:
        own = ranges_on(parse_hours(member.hours), day.weekday())
        opening = opening.intersect(IntervalSet.of(day_intervals(day, own, ZONE)))
    return opening.intervals()


def _minutes(span: Interval) -> int:
    return int((span[1] - span[0]).total_seconds() // 60)


def _ceil(moment: datetime) -> datetime:
    over = (moment - NOW) % GRID
    return moment if not over else moment + GRID - over


def _gap(rng: random.Random) -> timedelta:
    return timedelta(minutes=rng.choices(GAPS, GAP_WEIGHTS)[0])


def _fill(rng: random.Random, member: Member, span: Interval) -> Iterator[Visit]:
    """Visits placed left to right through one working interval, random gaps between."""
    kinds = [kind for kind in TYPES if set(kind.skills) <= set(member.skills)]
    weights = [kind.weight for kind in kinds]
    cursor = span[0] + _gap(rng)
    while True:
        kind = rng.choices(kinds, weights)[0]
        block = (cursor, cursor + timedelta(minutes=kind.before + kind.minutes + kind.after))
        if block[1] > span[1]:
            return
        clash = [off for off in member.time_off if off[0] < block[1] and block[0] < off[1]]
        if clash:
            cursor = _ceil(max(end for _, end in clash))
            continue
        starts_at = block[0] + timedelta(minutes=kind.before)
        ends_at = starts_at + timedelta(minutes=kind.minutes)
        yield Visit(member.id, kind.code, "booked", starts_at, ends_at, *block)
        cursor = _ceil(block[1]) + _gap(rng)


def _with_status(rng: random.Random, visit: Visit) -> Visit:
    """Past ones were completed (or missed); a few ahead are holds, some of them lapsed."""
    if visit.ends_at <= NOW:
        return replace(visit, status="no_show" if rng.random() < 0.06 else "completed")
    roll = rng.random()
    if roll < 0.01:
        return replace(visit, status="held", hold_expires_at=NOW + timedelta(minutes=8))
    if roll < 0.02:  # an expired hold frees its slot
        return replace(visit, status="held", hold_expires_at=NOW - timedelta(minutes=30))
    return visit


def generate(seed: int = 11, days: int = 30, history_days: int = 60) -> Month:
    rng = random.Random(seed)
    staff = members(rng)
    today = NOW.astimezone(ZONE).date()
    visits: list[Visit] = []
    worked = blocked = 0
    for member in staff:
        for offset in range(-history_days, days):
            for span in working(member, today + timedelta(days=offset)):
                if offset >= 0:
                    off = IntervalSet.of(member.time_off).intersect(IntervalSet.of([span]))
                    worked += _minutes(span) - sum(map(_minutes, off.intervals()))
                for visit in _fill(rng, member, span):
                    visit = _with_status(rng, visit)
                    visits.append(visit)
                    lapsed = visit.hold_expires_at is not None and visit.hold_expires_at <= NOW
                    if offset >= 0 and not lapsed:
                        blocked += _minutes((visit.block_start, visit.block_end))
                    if rng.random() < 0.07:  # cancelled earlier; the time was booked again
                        visits.append(replace(visit, status="cancelled", hold_expires_at=None))
    return Month(staff, visits, worked, blocked)


# -- into a database -------------------------------------------------------------------


async def _store(db: Database) -> tuple[str, dict[str, str]]:
    """The store through the hub's own path, its types set as the benchmark describes."""
    async with db.transaction() as session:
        new = NewStore.parse(
            code=STORE_CODE,
            name="Boutique Paris",
            timezone=TIMEZONE,
            country="FR",
            languages="fr,en",
            hours=HOURS,
        )
        store = await add_store(session, new, now=NOW, actor="bench")
        query = select(AppointmentType).where(AppointmentType.store_id == store.id)
        rows = {row.code: row for row in await session.scalars(query)}
        for spec in TYPES:
            row = rows.get(spec.code) or AppointmentType(store_id=store.id, code=spec.code)
            row.name, row.kind, row.duration_minutes = spec.name, spec.kind, spec.minutes
            row.buffer_before_minutes, row.buffer_after_minutes = spec.before, spec.after
            row.min_notice_minutes, row.max_ahead_days = 120, 60
            row.languages, row.skills, row.active = [], list(spec.skills), True
            session.add(row)
        await session.flush()
        return store.id, {row.code: row.id for row in await session.scalars(query)}


def _staff_rows(month: Month) -> list[dict[str, Any]]:
    # Not bookable, yet in the tables the query filters: an admin and a leaver.
    others = [
        Member(_id(random.Random(1)), "Admin", "admin@bench.concierge", "admin", ("fr",)),
        Member(_id(random.Random(2)), "Left", "left@bench.concierge", "ambassador", ("fr",),
               active=False),
    ]  # fmt: skip
    return [
        {"id": m.id, "email": m.email, "name": m.name, "role": m.role, "active": m.active,
         "languages": list(m.languages), "skills": list(m.skills), "password_hash": "!",
         "capacity": 3, "created_at": NOW}
        for m in [*month.members, *others]
    ]  # fmt: skip


def _appointment_rows(
    month: Month, store_id: str, type_ids: dict[str, str]
) -> list[dict[str, Any]]:
    kinds = {spec.code: spec.kind for spec in TYPES}
    rows = []
    for visit in month.visits:
        row = {key: value for key, value in vars(visit).items() if key != "type_code"}
        cancelled = NOW if visit.status == "cancelled" else None
        row.update(store_id=store_id, type_id=type_ids[visit.type_code], sequence=0,
                   kind=kinds[visit.type_code], created_at=NOW, updated_at=NOW,
                   cancelled_at=cancelled)  # fmt: skip
        rows.append(row)
    return rows


async def load(db: Database, month: Month) -> None:
    """Bulk inserts past the service: setting up is not what is measured."""
    store_id, type_ids = await _store(db)
    staff = _staff_rows(month)
    members = month.members
    exceptions = [
        {"store_id": store_id, "day": day, "ranges": ranges, "note": "bench"}
        for day, ranges in EXCEPTIONS.items()
    ]
    schedules = [
        {"staff_id": m.id, "store_id": store_id, "hours": parse_hours(m.hours)}
        for m in members
        if m.hours
    ]
    time_off = [
        {"staff_id": m.id, "starts_at": start, "ends_at": end, "reason": "bench"}
        for m in members
        for start, end in m.time_off
    ]
    rows = _appointment_rows(month, store_id, type_ids)
    async with db.transaction() as session:
        await session.execute(insert(Staff), staff)
        links = [{"staff_id": row["id"], "store_id": store_id} for row in staff]
        await session.execute(insert(StaffStore), links)
        await session.execute(insert(StoreHoursException), exceptions)
        await session.execute(insert(StaffSchedule), schedules)
        await session.execute(insert(StaffTimeOff), time_off)
        for first in range(0, len(rows), 2000):
            await session.execute(insert(Appointment), rows[first : first + 2000])
    if db.dialect == "postgresql":
        async with db.engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()
