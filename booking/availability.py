"""Which appointment starts can be offered, and to which ambassador a chosen one goes.

Pure: plain data and ``now`` in, slots out. The grid of starts is the store's wall clock
(every ``step`` from local midnight), converted per date with ZoneInfo: a time in the
spring-forward gap is skipped, a time in the repeated autumn hour is offered at both of
its instants. Everything after that is real time in UTC: durations, buffers, notice and
overlaps are measured in elapsed minutes, never in wall-clock arithmetic.

Cost: bookings and time off are merged into sorted disjoint intervals per ambassador once.
Then, per date and ambassador, each working range, time off and booking is turned into the
run of grid starts it allows or forbids (two bisects each), so the work grows with what is
on the calendar, not with starts times ambassadors. A date's grid and its hours depend only
on the date, the ranges and the zone, so each is computed once per process (bounded caches).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import compress
from zoneinfo import ZoneInfo

from booking.hours import ranges_on
from booking.intervals import Interval, IntervalSet, overlaps, utc
from booking.model import AmbassadorSchedule, AppointmentType, Booking, Slot, StoreCalendar
from booking.wallclock import day_intervals, instants, local_dates, wall_times

__all__ = [
    "blocked_interval",
    "first_free_ambassador",
    "free_ambassadors",
    "free_slots",
    "overlaps",
]

DEFAULT_STEP = timedelta(minutes=15)


def blocked_interval(booking: Booking) -> Interval:
    """The real time a booking takes from its ambassador, buffers included, in UTC."""
    return utc(booking.start) - booking.buffer_before, utc(booking.end) + booking.buffer_after


@dataclass(frozen=True)
class _Calendar:
    """One qualified ambassador, prepared once per query for bisecting."""

    ambassador: AmbassadorSchedule
    time_off: IntervalSet
    blocked: IntervalSet


def _store_ranges(store: StoreCalendar, day: date) -> tuple[tuple[time, time], ...]:
    """The store's ranges on one date, hashable so the date's intervals can be cached."""
    if day in store.exceptions:
        return tuple((start, end) for start, end in store.exceptions[day])
    return tuple(ranges_on(store.weekly, day.weekday()))


def _calendars(
    ambassadors: Iterable[AmbassadorSchedule],
    bookings: Iterable[Booking],
    appointment_type: AppointmentType,
    ambassador_id: str | None,
    language: str | None,
) -> list[_Calendar]:
    chosen: dict[str, AmbassadorSchedule] = {}
    for ambassador in ambassadors:
        if ambassador.ambassador_id in chosen:
            raise ValueError(f"ambassador {ambassador.ambassador_id!r} is listed twice")
        if ambassador_id is not None and ambassador.ambassador_id != ambassador_id:
            continue
        if ambassador.qualifies(appointment_type, language):
            chosen[ambassador.ambassador_id] = ambassador
    blocked: dict[str, list[Interval]] = defaultdict(list)
    for booking in bookings:
        if booking.ambassador_id in chosen:
            blocked[booking.ambassador_id].append(blocked_interval(booking))
    return [
        _Calendar(chosen[key], IntervalSet.of(chosen[key].time_off), IntervalSet.of(blocked[key]))
        for key in sorted(chosen)
    ]


@lru_cache(maxsize=4096)
def _local_hours(day: date, ranges: tuple[tuple[time, time], ...], zone: ZoneInfo) -> IntervalSet:
    """Wall-clock ranges of one local date as real intervals: pure, so kept once computed
    (a few schedules are shared by many ambassadors, and dates recur across queries)."""
    return IntervalSet.of(day_intervals(day, ranges, zone))


def _working_hours(
    calendar: _Calendar, opening: IntervalSet, day: date, zone: ZoneInfo
) -> IntervalSet:
    """An ambassador's hours on one date: their schedule within the store's opening."""
    weekly = calendar.ambassador.weekly
    if weekly is None:
        return opening
    return opening.intersect(_local_hours(day, tuple(ranges_on(weekly, day.weekday())), zone))


@lru_cache(maxsize=1024)
def _grid(day: date, step: timedelta, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The grid's real instants on one local date, in order: pure, so kept once computed
    (converting a date's hundred wall times through the zone was a fifth of a query's work)."""
    found = [moment for wall in wall_times(day, step) for moment in instants(wall, zone)]
    return tuple(sorted(found))


def _starts(
    day: date, step: timedelta, zone: ZoneInfo, low: datetime, high: datetime
) -> tuple[datetime, ...]:
    """The grid's real instants on one local date within ``[low, high]``, in order."""
    grid = _grid(day, step, zone)
    return grid[bisect_left(grid, low) : bisect_right(grid, high)]


def _mark(free: bytearray, starts: Sequence[datetime], low: datetime, high: datetime) -> None:
    """Allow the starts in the closed range ``[low, high]``."""
    first, last = bisect_left(starts, low), bisect_right(starts, high)
    if first < last:
        free[first:last] = b"\x01" * (last - first)


def _clear(free: bytearray, starts: Sequence[datetime], low: datetime, high: datetime) -> None:
    """Forbid the starts in the open range ``(low, high)``."""
    first, last = bisect_right(starts, low), bisect_left(starts, high)
    if first < last:
        free[first:last] = bytes(last - first)


def _nearby(found: IntervalSet, low: datetime, high: datetime) -> Iterable[Interval]:
    """The intervals of ``found`` that end after ``low`` and start before ``high``."""
    first, last = bisect_right(found.ends, low), bisect_left(found.starts, high)
    return zip(found.starts[first:last], found.ends[first:last], strict=True)


def _free_starts(
    calendar: _Calendar, hours: IntervalSet, starts: Sequence[datetime], kind: AppointmentType
) -> bytearray:
    """Which of ``starts`` one ambassador can take, as 0/1 per start.

    The same rules as asking each start in turn, solved for the start: the appointment
    ``[s, s + d)`` lies in a working range ``[a, b)`` iff ``a <= s <= b - d``; it meets
    time off ``[x, y)`` iff ``x - d < s < y``; its buffered block meets a booking's block
    ``[x, y)`` iff ``x - d - after < s < y + before``.
    """
    free = bytearray(len(starts))
    duration, before, after = kind.duration, kind.buffer_before, kind.buffer_after
    for opens, closes in hours.intervals():
        _mark(free, starts, opens, closes - duration)
    first, last = starts[0], starts[-1]
    for off_start, off_end in _nearby(calendar.time_off, first, last + duration):
        _clear(free, starts, off_start - duration, off_end)
    for taken_start, taken_end in _nearby(
        calendar.blocked, first - before, last + duration + after
    ):
        _clear(free, starts, taken_start - duration - after, taken_end + before)
    return free


def free_slots(
    *,
    store: StoreCalendar,
    ambassadors: Iterable[AmbassadorSchedule],
    bookings: Iterable[Booking],
    appointment_type: AppointmentType,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    step: timedelta = DEFAULT_STEP,
    ambassador_id: str | None = None,
    language: str | None = None,
) -> list[Slot]:
    """Every start in ``[window_start, window_end)`` that some qualified ambassador can take.

    A start must be at least ``min_notice`` and at most ``max_ahead`` after ``now``. The
    appointment must fit, on the start's local date, inside the store's hours (a date in
    ``store.exceptions`` replaces the weekly hours) and the ambassador's (their weekly
    schedule, else the store's), miss their time off, and with the type's buffers around
    it must not touch any buffered booking of theirs. Slots come sorted by start, unique.
    """
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    kind = appointment_type
    low = max(utc(window_start), utc(now) + kind.min_notice)
    # Inclusive upper bound: the window's end is exclusive, the booking horizon inclusive.
    high = min(utc(window_end) - timedelta.resolution, utc(now) + kind.max_ahead)
    calendars = _calendars(ambassadors, bookings, kind, ambassador_id, language)
    if low > high or not calendars:
        return []
    zone = store.zone
    slots: list[Slot] = []
    for day in local_dates(low, high, zone):
        opening = _local_hours(day, _store_ranges(store, day), zone)
        starts = _starts(day, step, zone, low, high) if opening else ()
        if not starts:
            continue
        # Per start, who can take it; calendars come sorted by id, so each list is too.
        # Working hours lie inside the store's opening, so fitting them fits the store's.
        takers: list[list[str]] = [[] for _ in starts]
        for calendar in calendars:
            hours = _working_hours(calendar, opening, day, zone)
            if not hours:
                continue
            ambassador_id = calendar.ambassador.ambassador_id
            for index in compress(range(len(starts)), _free_starts(calendar, hours, starts, kind)):
                takers[index].append(ambassador_id)
        for start, free in zip(starts, takers, strict=True):
            if free:
                end = start + kind.duration
                slots.append(Slot(start.astimezone(zone), end.astimezone(zone), tuple(free)))
    return slots


def free_ambassadors(
    slot: Slot,
    *,
    bookings: Iterable[Booking],
    appointment_type: AppointmentType,
) -> list[str]:
    """Who can still take a chosen slot (bookings may have arrived since it was listed),
    best first: the fewest bookings that local day, so work spreads evenly; ties go to the
    smallest id so the order never depends on input order."""
    start, end = utc(slot.start), utc(slot.end)
    before, after = start - appointment_type.buffer_before, end + appointment_type.buffer_after
    zone = slot.start.tzinfo
    day = slot.start.date()
    candidates = set(slot.ambassador_ids)
    load: dict[str, int] = defaultdict(int)
    busy: set[str] = set()
    for booking in bookings:
        if booking.ambassador_id not in candidates:
            continue
        blocked_start, blocked_end = blocked_interval(booking)
        if blocked_start < after and before < blocked_end:
            busy.add(booking.ambassador_id)
        if booking.start.astimezone(zone).date() == day:
            load[booking.ambassador_id] += 1
    return sorted(candidates - busy, key=lambda key: (load[key], key))


def first_free_ambassador(
    slot: Slot,
    *,
    bookings: Iterable[Booking],
    appointment_type: AppointmentType,
) -> str | None:
    """Who gets a chosen slot (the first of ``free_ambassadors``); None when nobody is
    free any more."""
    free = free_ambassadors(slot, bookings=bookings, appointment_type=appointment_type)
    return free[0] if free else None
