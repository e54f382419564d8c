"""Opening hours: the operator's notation and "is the store open now?" in its own zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.hours import HoursError, format_hours, is_open, parse_hours


def test_day_ranges_and_split_days_parse() -> None:
    hours = parse_hours("Mon-Fri 10:00-19:00; Sat 11:00-13:00 14:00-18:00")
    assert hours["mon"] == hours["fri"] == [["10:00", "19:00"]]
    assert hours["sat"] == [["11:00", "13:00"], ["14:00", "18:00"]]
    assert "sun" not in hours
    assert format_hours(hours).startswith("Mon 10:00-19:00")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty"),
        ("Mon-Sat", "no time range"),
        ("Funday 10:00-12:00", "unknown day"),
        ("Sat-Mon 10:00-12:00", "backwards"),
        ("Mon 19:00-10:00", "ends before"),
        ("Mon 10:00-25:00", "must look like"),
        ("Mon 10:00-14:00 13:00-18:00", "overlapping"),
    ],
)
def test_bad_notation_says_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(HoursError, match=complaint):
        parse_hours(text)


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 11, 23, 8, 59, tzinfo=UTC), False),  # Monday 09:59 in Paris
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), True),  # 10:00 Paris opens
        (datetime(2026, 11, 23, 17, 59, tzinfo=UTC), True),
        (datetime(2026, 11, 23, 18, 0, tzinfo=UTC), False),  # 19:00 Paris closes
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), False),  # Sunday
    ],
)
def test_open_is_judged_in_the_store_time_zone(utc: datetime, expected: bool) -> None:
    assert is_open(parse_hours("Mon-Sat 10:00-19:00"), "Europe/Paris", utc) is expected


def test_a_store_without_hours_is_always_open() -> None:
    assert is_open(None, "Asia/Shanghai", datetime(2026, 1, 1, 3, tzinfo=UTC))
