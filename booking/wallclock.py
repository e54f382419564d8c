"""From a store's local wall clock to real instants, across daylight-saving changes.

Opening hours, schedules and slot grids are written in wall-clock time ("10:00-19:00",
"every quarter hour"), but appointments last real minutes. A wall-clock time maps to:

- one instant on an ordinary day;
- no instant in the spring-forward gap (02:30 on 2026-03-29 in Amsterdam never happens);
- two instants in the repeated autumn hour (02:30 CEST, then 02:30 CET), told apart by
  ``fold``.

Opening boundaries read generously: a range opens at the *first* instant its start time
is reached and closes at the *last* instant before its end time, so "01:00-04:00" on an
autumn night is open four real hours, and a boundary inside the gap moves to the instant
the clocks jump. ``24:00`` (``time.max``) is the next midnight, so days never overlap.
Every instant returned here is in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.intervals import Interval

_DAY = timedelta(days=1)


def instants(local: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """Every real instant (UTC, in order) at which the wall clock reads naive ``local``."""
    found: list[datetime] = []
    for fold in (0, 1):
        moment = local.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        # A time in the gap does not survive the round trip: it is not a real reading.
        if moment not in found and moment.astimezone(zone).replace(tzinfo=None) == local:
            found.append(moment)
    return tuple(sorted(found))


def _jump(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jump over ``local`` (a wall time in a spring-forward gap).

    Found by bisection over whole seconds (zone transitions fall on whole seconds) between
    the two readings ZoneInfo offers for the missing time: one lands before the jump, the
    other after it.
    """
    guesses = [local.replace(tzinfo=zone, fold=fold).timestamp() for fold in (0, 1)]
    low, high = math.floor(min(guesses)), math.ceil(max(guesses))
    # Invariant: at ``low`` the clock still reads before ``local``; at ``high`` it is past.
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= local:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def earliest(local: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the wall clock has reached ``local``."""
    found = instants(local, zone)
    return found[0] if found else _jump(local, zone)


def latest(local: datetime, zone: ZoneInfo) -> datetime:
    """The last instant at which the wall clock has not yet gone past ``local``."""
    found = instants(local, zone)
    return found[-1] if found else _jump(local, zone)


def day_bounds(day: date, zone: ZoneInfo) -> Interval:
    """The real span of one local date: from its first midnight to the next day's."""
    midnight = datetime.combine(day, time.min)
    return earliest(midnight, zone), earliest(midnight + _DAY, zone)


def day_intervals(day: date, ranges: Sequence[tuple[time, time]], zone: ZoneInfo) -> list[Interval]:
    """Wall-clock ranges of one local date as real intervals, clipped to that date."""
    day_start, day_end = day_bounds(day, zone)
    result: list[Interval] = []
    for start, end in ranges:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{day}: opening times are local wall-clock times, without a zone")
        if end <= start:
            raise ValueError(
                f"{day}: range {start}-{end} ends before it starts (24:00 is time.max)"
            )
        opens = max(day_start, earliest(datetime.combine(day, start), zone))
        closes = day_end if end == time.max else latest(datetime.combine(day, end), zone)
        closes = min(day_end, closes)
        if opens < closes:
            result.append((opens, closes))
    return result


def wall_times(day: date, step: timedelta) -> Iterator[datetime]:
    """Naive wall-clock times ``00:00, step, 2*step, ...`` of one date; the grid restarts
    at every midnight so slots always sit on the same local minutes."""
    moment = datetime.combine(day, time.min)
    end = moment + _DAY
    while moment < end:
        yield moment
        moment += step


def local_dates(first: datetime, last: datetime, zone: ZoneInfo) -> Iterator[date]:
    """Every local date from the one holding instant ``first`` to the one holding ``last``."""
    day, final = first.astimezone(zone).date(), last.astimezone(zone).date()
    while day <= final:
        yield day
        day += _DAY
