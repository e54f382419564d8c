"""Reporting periods: local dates to UTC instants across daylight-saving changes, and the
local day of an instant as the SQL computes it (epoch plus the segment's offset)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import InvalidInput
from hub.insights.definitions import MEDIAN, P90, nearest_rank, nps
from hub.insights.periods import Period, day_index, day_number, local_midnight, period

PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
# Zones with every kind of change: none, at 02:00/03:00, at midnight (Santiago, Havana),
# by half an hour (Lord Howe), and south of the equator.
ZONES = [
    "Europe/Paris",
    "Asia/Tokyo",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Asia/Kolkata",
]


def test_the_autumn_change_makes_a_25_hour_day_in_paris() -> None:
    day = period("2026-10-25", "2026-10-25", PARIS)  # the last Sunday of October
    assert day.start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert day.end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    first, change = day.segments()
    assert (first.offset, change.offset) == (7200, 3600)
    assert change.since == int(datetime(2026, 10, 25, 1, 0, tzinfo=UTC).timestamp())


def test_the_spring_change_makes_a_23_hour_day_in_paris() -> None:
    day = period("2026-03-29", "2026-03-29", PARIS)
    assert day.end - day.start == timedelta(hours=23)


def test_tokyo_has_one_offset_all_year() -> None:
    year = period("2026-01-01", "2026-12-31", TOKYO)
    assert year.start == datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
    assert [s.offset for s in year.segments()] == [9 * 3600]
    assert len(year.days()) == 365


def test_an_instant_near_midnight_falls_on_each_zones_own_day() -> None:
    moment = int(datetime(2026, 11, 30, 23, 30, tzinfo=UTC).timestamp())
    for zone, expected in (
        (TOKYO, date(2026, 12, 1)),
        (ZoneInfo("Europe/London"), date(2026, 11, 30)),
    ):
        segments = Period(date(2026, 11, 1), date(2026, 12, 31), zone).segments()
        assert day_number(moment, segments) == day_index(expected)


@given(
    zone=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
    length=st.integers(min_value=0, max_value=365),
    fraction=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_the_day_of_any_instant_is_its_local_date(
    zone: str, first: date, length: int, fraction: float
) -> None:
    asked = Period(first, first + timedelta(days=length), ZoneInfo(zone))
    seconds = int((asked.end - asked.start).total_seconds() * fraction)
    moment = asked.start + timedelta(seconds=seconds)
    local = moment.astimezone(ZoneInfo(zone)).date()
    assert day_number(int(moment.timestamp()), asked.segments()) == day_index(local)
    assert asked.first <= local <= asked.last


@given(zone=st.sampled_from(ZONES), day=st.dates(date(2000, 1, 1), date(2035, 12, 31)))
def test_a_day_starts_at_its_first_instant_even_without_a_midnight(zone: str, day: date) -> None:
    start = local_midnight(day, ZoneInfo(zone))
    assert start.astimezone(ZoneInfo(zone)).date() == day
    assert (start - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date() == day - timedelta(1)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-11-31", "2026-12-01", "from"),
        ("2026-11-01T00:00", "2026-12-01", "from"),
        ("2026-11-01", "", "to"),
        ("2026-11-02", "2026-11-01", "to"),
        ("2025-01-01", "2026-01-02", "to"),  # 367 days
        ("0001-01-01", "0001-01-02", "from"),
        ("9999-12-31", "9999-12-31", "from"),
    ],
)
def test_bad_periods_name_their_field(first: str, last: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        period(first, last, PARIS)
    assert refused.value.field == field


def test_a_leap_year_fits() -> None:
    assert len(period("2028-01-01", "2028-12-31", PARIS).days()) == 366


def test_nearest_rank_percentiles_and_nps() -> None:
    assert [nearest_rank(10, MEDIAN), nearest_rank(10, P90)] == [5, 9]
    assert [nearest_rank(1, MEDIAN), nearest_rank(1, P90)] == [1, 1]
    assert [nearest_rank(5, MEDIAN), nearest_rank(5, P90)] == [3, 5]
    assert nps(promoters=2, detractors=1, responses=4) == 25.0
    assert nps(0, 3, 3) == -100.0 and nps(0, 0, 0) is None
