"""Reporting periods: local dates in a time zone made into UTC instants, and local days.

Pure. A manager asks for "1 to 30 November in Paris"; the queries need the instants
[start, end) in UTC, and the daily chart needs each row's local day. SQLite has no time
zones, so the day is computed from the UTC epoch plus the zone's offset, which is constant
between two daylight-saving transitions: the period is cut into a few offset segments
(``Period.segments``) that SQL turns into one small CASE expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import InvalidInput

# A year, leap day included: longer ranges are refused rather than left to run for long.
MAX_DAYS = 366
EPOCH_DAY = date(1970, 1, 1)
# Local days are counted from the epoch in SQL with integer division, which only agrees
# with Python's floor for instants after 1970; far-future dates overflow datetime.
EARLIEST, LATEST = date(1971, 1, 1), date(9000, 12, 31)
SECONDS_PER_DAY = 86_400
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Segment:
    """From ``since`` (epoch seconds) on, local time is UTC plus ``offset`` seconds."""

    since: int
    offset: int


@dataclass(frozen=True)
class Period:
    """Local dates ``first``..``last`` (both included) in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period: midnight starting the day after ``last``."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def boundaries(self) -> list[datetime]:
        """Each local day's first instant in UTC, then the period's end."""
        return [local_midnight(day, self.zone) for day in self.days()] + [self.end]

    def segments(self) -> tuple[Segment, ...]:
        """The zone's UTC offsets over the period, one segment per daylight-saving change."""
        bounds = self.boundaries()
        found = [Segment(_epoch(bounds[0]), _offset(bounds[0], self.zone))]
        for before, after in pairwise(bounds):
            if _offset(after, self.zone) != _offset(before, self.zone):
                change = _transition(before, after, self.zone)
                found.append(Segment(_epoch(change), _offset(change, self.zone)))
        return tuple(found)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day, in UTC.

    Where midnight does not exist (clocks jump forward at 00:00), zoneinfo reads it with
    the offset before the jump, which is exactly the instant the day begins.
    """
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def day_number(epoch: int, segments: tuple[Segment, ...]) -> int:
    """The local day (days since 1970-01-01) of an instant: what the SQL computes."""
    offset = segments[0].offset
    for segment in segments[1:]:
        if epoch >= segment.since:
            offset = segment.offset
    return (epoch + offset) // SECONDS_PER_DAY


def day_index(day: date) -> int:
    """A local date as the day number ``day_number`` gives its instants."""
    return (day - EPOCH_DAY).days


def parse_day(value: str | None, field: str) -> date:
    """A ``YYYY-MM-DD`` date; anything else is refused naming the field."""
    if not value:
        raise InvalidInput(field, f"{field} is required, e.g. 2026-11-01")
    if not _DAY.fullmatch(value):
        raise InvalidInput(field, f"{field} must be a date like 2026-11-01")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{field} is not a calendar date") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(field, f"{field} must lie between {EARLIEST} and {LATEST}")
    return day


def zone_named(name: str, field: str = "timezone") -> ZoneInfo:
    if not name or len(name) > 64:
        raise InvalidInput(field, f"{field} must be a time zone, e.g. Europe/Paris")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field, f"{field} must be a time zone, e.g. Europe/Paris") from None


def period(first: str | None, last: str | None, zone: ZoneInfo) -> Period:
    """The period ``from``..``to``, checked: in order, and at most ``MAX_DAYS`` long."""
    start, end = parse_day(first, "from"), parse_day(last, "to")
    if end < start:
        raise InvalidInput("to", "to must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput("to", f"a period covers at most {MAX_DAYS} days")
    return Period(start, end, zone)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _offset(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _transition(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The first second in (low, high] with ``high``'s offset (one change in between)."""
    target = _offset(high, zone)
    lo, hi = _epoch(low), _epoch(high)
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if _offset(datetime.fromtimestamp(middle, UTC), zone) == target:
            hi = middle
        else:
            lo = middle
    return datetime.fromtimestamp(hi, UTC)
