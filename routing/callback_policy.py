"""When a callback is due: its first try, and the next one after a try nobody answered.

A shopper who asked for "between 18:00 and 19:00" should not be rung at 02:00 because
the retry delay happened to land there: a try that would fall after the window moves to
the window's start on the next day, in the shopper's own time zone (so a DST change
does not shift it by an hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CallbackWindow:
    """``start``/``end`` in UTC; both None means "as soon as possible"."""

    start: datetime | None = None
    end: datetime | None = None
    timezone: str = "UTC"

    @property
    def asap(self) -> bool:
        return self.start is None


def first_due(window: CallbackWindow, now: datetime) -> datetime:
    if window.start is None or window.start <= now:
        return now
    return window.start


def next_try(
    window: CallbackWindow,
    *,
    attempts: int,
    max_attempts: int,
    now: datetime,
    retry_after: timedelta,
) -> datetime | None:
    """When to try again after ``attempts`` unanswered tries; None when none are left."""
    if attempts >= max_attempts:
        return None
    due = now + retry_after
    if window.start is None or window.end is None or due < window.end:
        return due
    return _same_window_next_day(window, due)


def _same_window_next_day(window: CallbackWindow, after: datetime) -> datetime:
    """The first day's window start, in the shopper's zone, that comes after ``after``."""
    assert window.start is not None
    zone = ZoneInfo(window.timezone)
    local_start = window.start.astimezone(zone)
    day = after.astimezone(zone).date()
    for offset in range(0, 8):
        candidate = datetime.combine(
            day + timedelta(days=offset), local_start.timetz().replace(tzinfo=None), tzinfo=zone
        ).astimezone(UTC)
        if candidate >= after:
            return candidate
    return after  # unreachable: one of eight days always starts later
