"""Upcoming birthdays and anniversaries, and where a follow-up task stands, by the calendar.

Pure: dates in, dates out. "Today" is a calendar day on the store's clock, so the caller
turns its instant into that day with ``hub.clock.local_today``; everything else is day arithmetic.
A 29 February date is kept on 28 February in years without one (the usual custom, and
the day the client is still "before" their birthday rather than after).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

CELEBRATED = ("birthday", "anniversary")
MAX_DAYS = 366

OVERDUE = "overdue"
TODAY = "today"
UPCOMING = "upcoming"
DONE = "done"


@dataclass(frozen=True)
class Upcoming:
    """The next time a recorded date comes round: its day, how far off, which year it is."""

    kind: str
    on: date
    in_days: int
    # Years since the recorded year (the age turned, the anniversary's number); None when
    # the year is unknown (``--MM-DD``).
    years: int | None
    label: str | None


def _month_day(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of ``YYYY-MM-DD`` or ``--MM-DD``; None for anything else
    (a stored value a later rule would refuse is skipped, never fatal)."""
    try:
        if text.startswith("--") and len(text) == 7:
            month, day = int(text[2:4]), int(text[5:7])
            date(2000, month, day)
            return None, month, day
        full = date.fromisoformat(text)
    except (ValueError, TypeError):
        return None
    return full.year, full.month, full.day


def _in_year(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(text: str, today: date) -> tuple[date, int | None] | None:
    """The next day (today included) the recorded date falls on, with the years it marks."""
    parsed = _month_day(text)
    if parsed is None:
        return None
    year, month, day = parsed
    on = _in_year(today.year, month, day)
    if on < today:
        on = _in_year(today.year + 1, month, day)
    if year is not None and year > on.year:
        return None  # a date recorded in the future has not come round yet
    return on, (on.year - year if year is not None else None)


def upcoming(dates: Iterable[Mapping[str, Any]], today: date, days: int) -> list[Upcoming]:
    """Birthdays and anniversaries within ``days`` days of ``today`` (0: today only),
    soonest first; other kinds of dates are the ambassador's notes, not occasions."""
    found: list[Upcoming] = []
    for entry in dates:
        kind = entry.get("kind")
        raw = entry.get("date")
        if kind not in CELEBRATED or not isinstance(raw, str):
            continue
        occurrence = next_occurrence(raw, today)
        if occurrence is None:
            continue
        on, years = occurrence
        in_days = (on - today).days
        if in_days <= days:
            label = entry.get("label")
            found.append(
                Upcoming(str(kind), on, in_days, years, label if isinstance(label, str) else None)
            )
    found.sort(key=lambda u: (u.in_days, CELEBRATED.index(u.kind)))
    return found


def next_date(dates: Iterable[Mapping[str, Any]], today: date) -> Upcoming | None:
    """The soonest birthday or anniversary, however far (at most a year away)."""
    found = upcoming(dates, today, MAX_DAYS)
    return found[0] if found else None


def due_bucket(due_on: date, done: bool, today: date) -> str:
    """Where a task stands on the store's calendar: done, overdue, due today, or later."""
    if done:
        return DONE
    if due_on < today:
        return OVERDUE
    if due_on == today:
        return TODAY
    return UPCOMING
