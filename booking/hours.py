"""Weekly opening hours: parsed from the operator's notation, asked "open at this instant?".

Notation: groups separated by ``,`` or ``;``; each group is a day or day range followed by
one or more ``HH:MM-HH:MM`` ranges, e.g. ``"Mon-Fri 10:00-19:00; Sat 11:00-13:00 14:00-18:00"``.
A day not mentioned is closed. ``None`` hours mean always open.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WeeklyHours = dict[str, list[list[str]]]

_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class HoursError(ValueError):
    """The hours notation could not be read; the message says which part and why."""


def _days(token: str) -> list[str]:
    lowered = token.lower()
    if "-" in lowered:
        first, _, last = lowered.partition("-")
        if first[:3] not in DAYS or last[:3] not in DAYS:
            raise HoursError(f"unknown day range {token!r} (use Mon, Tue, ... Sun)")
        start, end = DAYS.index(first[:3]), DAYS.index(last[:3])
        if end < start:
            raise HoursError(f"day range {token!r} runs backwards")
        return list(DAYS[start : end + 1])
    if lowered[:3] not in DAYS or len(lowered) < 3:
        raise HoursError(f"unknown day {token!r} (use Mon, Tue, ... Sun)")
    return [lowered[:3]]


def _range(token: str) -> list[str]:
    match = _RANGE.match(token)
    if not match:
        raise HoursError(f"time range {token!r} must look like 10:00-19:00")
    start, end = f"{match[1]}:{match[2]}", f"{match[3]}:{match[4]}"
    if end != "24:00" and int(match[3]) == 24:
        raise HoursError(f"time range {token!r}: 24 only as 24:00")
    if end <= start:
        raise HoursError(f"time range {token!r} ends before it starts")
    return [start, end]


def parse_hours(text: str) -> WeeklyHours:
    hours: WeeklyHours = {}
    groups = [g.strip() for g in re.split(r"[;,]", text) if g.strip()]
    if not groups:
        raise HoursError("opening hours are empty")
    for group in groups:
        day_token, *range_tokens = group.split()
        if not range_tokens:
            raise HoursError(f"{group!r} has no time range")
        ranges = [_range(token) for token in range_tokens]
        for day in _days(day_token):
            merged = sorted(hours.get(day, []) + ranges)
            for earlier, later in pairwise(merged):
                if later[0] < earlier[1]:
                    raise HoursError(f"{day.title()} has overlapping ranges")
            hours[day] = merged
    return hours


def _as_time(value: str) -> time:
    return time.max if value == "24:00" else time.fromisoformat(value)


def as_ranges(pairs: list[list[str]]) -> list[tuple[time, time]]:
    """``[["10:00", "24:00"]]`` as times (``24:00`` is ``time.max``), e.g. a date's
    special hours."""
    return [(_as_time(start), _as_time(end)) for start, end in pairs]


def ranges_on(hours: WeeklyHours | None, weekday: int) -> list[tuple[time, time]]:
    """One weekday's ranges (0 = Monday) as times, so availability can do calendar maths.

    ``24:00`` reads as ``time.max`` (the end of the day); ``None`` hours are the whole day.
    """
    if hours is None:
        return [(time.min, time.max)]
    return as_ranges(hours.get(DAYS[weekday], []))


def is_open(hours: WeeklyHours | None, timezone: str, now: datetime) -> bool:
    """Whether the store is open at the aware instant ``now``, in the store's own zone."""
    if hours is None:
        return True
    local = now.astimezone(ZoneInfo(timezone))
    ranges = hours.get(DAYS[local.weekday()], [])
    moment = local.time().replace(tzinfo=None)
    return any(_as_time(start) <= moment < _as_time(end) for start, end in ranges)


def format_hours(hours: WeeklyHours | None) -> str:
    if hours is None:
        return "always open"
    return "; ".join(
        f"{day.title()} " + " ".join(f"{a}-{b}" for a, b in hours[day])
        for day in DAYS
        if day in hours
    )
