"""Which appointment starts can be offered, and to which ambassador a chosen one goes.

Pure: plain data and ``now`` in, slots out. The grid of starts is the store's wall clock
(every ``step`` from local midnight), converted per date with ZoneInfo: a time in the
spring-forward gap is skipped, a time in the repeated autumn hour is offered at both of
its instants. Everything after that is real time in UTC: durations, buffers, notice and
overlaps are measured in elapsed minutes, never in wall-clock arithmetic.

Cost: bookings and time off are merged into sorted disjoint intervals per ambassador once,
then each (start, ambassador) question is a few bisects; nothing scans all bookings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.hours import ranges_on
from booking.intervals import Interval, IntervalSet, overlaps, utc
from booking.model import AmbassadorSchedule, AppointmentType, Booking, Slot, StoreCalendar
from booking.wallclock import day_intervals, instants, local_dates, wall_times

__all__ = ["blocked_interval", "first_free_ambassador", "free_slots", "overlaps"]

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


def _store_ranges(store: StoreCalendar, day: date) -> Sequence[tuple[time, time]]:
    if day in store.exceptions:
        return store.exceptions[day]
    return ranges_on(store.weekly, day.weekday())


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


def _working_hours(
    calendar: _Calendar, opening: IntervalSet, day: date, zone: ZoneInfo
) -> IntervalSet:
    """An ambassador's hours on one date: their schedule within the store's opening."""
    weekly = calendar.ambassador.weekly
    if weekly is None:
        return opening
    return opening.intersect(
        IntervalSet.of(day_intervals(day, ranges_on(weekly, day.weekday()), zone))
    )


def _starts(
    day: date, step: timedelta, zone: ZoneInfo, low: datetime, high: datetime
) -> list[datetime]:
    """The grid's real instants on one local date within ``[low, high]``, in order."""
    found = [moment for wall in wall_times(day, step) for moment in instants(wall, zone)]
    return sorted(moment for moment in found if low <= moment <= high)


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
        opening = IntervalSet.of(day_intervals(day, _store_ranges(store, day), zone))
        if not opening:
            continue
        working = [(c, _working_hours(c, opening, day, zone)) for c in calendars]
        working = [(calendar, hours) for calendar, hours in working if hours]
        if not working:
            continue
        for start in _starts(day, step, zone, low, high):
            end = start + kind.duration
            if not opening.contains(start, end):
                continue
            before, after = start - kind.buffer_before, end + kind.buffer_after
            free = tuple(
                calendar.ambassador.ambassador_id
                for calendar, hours in working
                if hours.contains(start, end)
                and not calendar.time_off.overlaps(start, end)
                and not calendar.blocked.overlaps(before, after)
            )
            if free:
                slots.append(Slot(start.astimezone(zone), end.astimezone(zone), free))
    return slots


def first_free_ambassador(
    slot: Slot,
    *,
    bookings: Iterable[Booking],
    appointment_type: AppointmentType,
) -> str | None:
    """Who gets a chosen slot: of its ambassadors still free (bookings may have arrived
    since the slot was listed), the one with the fewest bookings that local day, so work
    spreads evenly; ties go to the smallest id so the answer never depends on input order.
    None when nobody is free any more.
    """
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
    free = sorted(candidates - busy, key=lambda key: (load[key], key))
    return free[0] if free else None
