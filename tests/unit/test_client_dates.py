"""Upcoming birthdays and anniversaries, and task due buckets: calendar arithmetic only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.client_dates import due_bucket, next_date, next_occurrence, upcoming
from hub.clock import local_today


@pytest.mark.parametrize(
    ("recorded", "today", "expected"),
    [
        ("1990-06-15", date(2026, 6, 1), (date(2026, 6, 15), 36)),
        ("1990-06-15", date(2026, 6, 15), (date(2026, 6, 15), 36)),  # today counts
        ("1990-06-15", date(2026, 6, 16), (date(2027, 6, 15), 37)),
        # Year wrap: a January birthday seen in December.
        ("1985-01-03", date(2026, 12, 30), (date(2027, 1, 3), 42)),
        # 29 February: kept on 28 February in a year without one, on the day in a leap year.
        ("1992-02-29", date(2027, 2, 1), (date(2027, 2, 28), 35)),
        ("1992-02-29", date(2027, 3, 1), (date(2028, 2, 29), 36)),
        ("1992-02-29", date(2028, 2, 1), (date(2028, 2, 29), 36)),
        ("--02-29", date(2026, 12, 31), (date(2027, 2, 28), None)),
        ("--12-24", date(2026, 12, 1), (date(2026, 12, 24), None)),
    ],
)
def test_the_next_occurrence_of_a_recorded_date(
    recorded: str, today: date, expected: tuple[date, int | None]
) -> None:
    assert next_occurrence(recorded, today) == expected


@pytest.mark.parametrize("bad", ["", "1990-13-01", "--02-30", "tomorrow", "2030-01-01"])
def test_unreadable_or_future_dates_are_skipped(bad: str) -> None:
    assert next_occurrence(bad, date(2026, 6, 1)) is None


def test_only_birthdays_and_anniversaries_within_the_window_soonest_first() -> None:
    dates = [
        {"kind": "anniversary", "date": "2015-06-20", "label": "wedding"},
        {"kind": "birthday", "date": "1990-06-10"},
        {"kind": "other", "date": "2020-06-05", "label": "first visit"},
        {"kind": "birthday", "date": "--09-01"},
        {"kind": "birthday", "date": None},
    ]
    found = upcoming(dates, date(2026, 6, 1), 30)
    assert [(u.kind, u.on, u.in_days, u.years, u.label) for u in found] == [
        ("birthday", date(2026, 6, 10), 9, 36, None),
        ("anniversary", date(2026, 6, 20), 19, 11, "wedding"),
    ]
    assert upcoming(dates, date(2026, 6, 10), 0)[0].in_days == 0
    soonest = next_date(dates, date(2026, 6, 21))
    assert soonest is not None and (soonest.kind, soonest.on) == ("birthday", date(2026, 9, 1))
    assert next_date([], date(2026, 6, 21)) is None


def test_today_is_the_store_s_calendar_day_at_midnight_edges() -> None:
    # 23:30 UTC on 31 December is already New Year's Day in Paris, not yet in New York.
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert local_today(now, "Europe/Paris") == date(2027, 1, 1)
    assert local_today(now, "America/New_York") == date(2026, 12, 31)
    birthday = [{"kind": "birthday", "date": "1980-01-01"}]
    assert upcoming(birthday, local_today(now, "Europe/Paris"), 0)[0].in_days == 0
    assert upcoming(birthday, local_today(now, "America/New_York"), 0) == []
    assert upcoming(birthday, local_today(now, "America/New_York"), 1)[0].in_days == 1


@pytest.mark.parametrize(
    ("due", "done", "bucket"),
    [
        (date(2026, 5, 31), False, "overdue"),
        (date(2026, 6, 1), False, "today"),
        (date(2026, 6, 2), False, "upcoming"),
        (date(2026, 5, 31), True, "done"),
        (date(2026, 6, 2), True, "done"),
    ],
)
def test_task_due_buckets(due: date, done: bool, bucket: str) -> None:
    assert due_bucket(due, done, date(2026, 6, 1)) == bucket
