"""Availability across clock changes: starts on the local grid, none in the spring gap,
the repeated autumn hour offered once per real instant, durations in real minutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from booking.availability import free_slots
from booking.hours import parse_hours
from booking.model import AmbassadorSchedule, AppointmentType, Booking, Slot, StoreCalendar

AMS, NYC, SCL = "Europe/Amsterdam", "America/New_York", "America/Santiago"
AMS_SPRING, AMS_AUTUMN = date(2026, 3, 29), date(2026, 10, 25)  # both Sundays
NYC_SPRING, NYC_AUTUMN = date(2026, 3, 8), date(2026, 11, 1)  # both Sundays
QUARTER = timedelta(minutes=15)
VIDEO = AppointmentType(
    code="virtual",
    kind="virtual",
    duration=timedelta(minutes=30),
    buffer_before=timedelta(0),
    buffer_after=timedelta(0),
    min_notice=timedelta(0),
    max_ahead=timedelta(days=400),
)
HOUR_LONG = replace(VIDEO, code="in-store", kind="in_store", duration=timedelta(hours=1))
AMBASSADOR = AmbassadorSchedule("a1", frozenset({"en"}))
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def local_day(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return (
        datetime.combine(day, time(), zone),
        datetime.combine(day + timedelta(days=1), time(), zone),
    )


def slots_on(
    day: date,
    tz: str,
    hours: str | None = None,
    kind: AppointmentType = VIDEO,
    step: timedelta = QUARTER,
    bookings: Sequence[Booking] = (),
    now: datetime = LONG_AGO,
) -> list[Slot]:
    start, end = local_day(day, tz)
    return free_slots(
        store=StoreCalendar("S1", tz, None if hours is None else parse_hours(hours)),
        ambassadors=(AMBASSADOR,),
        bookings=bookings,
        appointment_type=kind,
        window_start=start,
        window_end=end,
        now=now,
        step=step,
    )


def stamps(slots: Sequence[Slot]) -> list[str]:
    """Local wall clock with offset, e.g. ``02:30+02:00``: both say which 02:30 it is."""
    return [slot.start.strftime("%H:%M") + slot.start.isoformat()[-6:] for slot in slots]


def elapsed(slot: Slot) -> timedelta:
    # Subtracting two datetimes of one zone gives wall-clock time; real time needs UTC.
    return slot.end.astimezone(UTC) - slot.start.astimezone(UTC)


def assert_well_formed(slots: Sequence[Slot], kind: AppointmentType, step: timedelta) -> None:
    instants = [slot.start.astimezone(UTC) for slot in slots]
    assert instants == sorted(set(instants)), "sorted, no duplicate instants"
    assert len(set(slots)) == len(slots)
    assert all(elapsed(slot) == kind.duration for slot in slots)
    local = [slot.start.hour * 60 + slot.start.minute for slot in slots]
    assert all(minute % (step // timedelta(minutes=1)) == 0 for minute in local)


@pytest.mark.parametrize(
    ("day", "tz", "gap_hour", "before", "after"),
    [
        (AMS_SPRING, AMS, 2, "+01:00", "+02:00"),
        (NYC_SPRING, NYC, 2, "-05:00", "-04:00"),
    ],
)
def test_spring_forward_skips_the_gap(
    day: date, tz: str, gap_hour: int, before: str, after: str
) -> None:
    slots = slots_on(day, tz)
    assert_well_formed(slots, VIDEO, QUARTER)
    hours = [slot.start.hour for slot in slots]
    assert gap_hour not in hours
    assert len(slots) == 96 - 4 - 1  # four quarter hours never happen; 23:45 would overrun
    labels = stamps(slots)
    assert labels[:8] == [f"{h:02}:{m:02}{before}" for h in (0, 1) for m in (0, 15, 30, 45)]
    assert labels[8] == f"{gap_hour + 1:02}:00{after}"
    assert labels[-1] == f"23:30{after}"
    # Starts keep a steady real rhythm straight across the jump.
    instants = [slot.start.astimezone(UTC) for slot in slots]
    assert {b - a for a, b in pairwise(instants)} == {QUARTER}
    across = slots[7]  # 01:45 plus thirty real minutes
    assert across.end.strftime("%H:%M") == f"{gap_hour + 1:02}:15"
    assert across.end.isoformat().endswith(after)


@pytest.mark.parametrize(
    ("day", "tz", "repeated", "before", "after"),
    [
        (AMS_AUTUMN, AMS, 2, "+02:00", "+01:00"),
        (NYC_AUTUMN, NYC, 1, "-04:00", "-05:00"),
    ],
)
def test_fall_back_offers_each_repeated_quarter_once_per_real_instant(
    day: date, tz: str, repeated: int, before: str, after: str
) -> None:
    slots = slots_on(day, tz)
    assert_well_formed(slots, VIDEO, QUARTER)
    assert len(slots) == 96 + 4 - 1  # the repeated hour adds four starts
    labels = stamps(slots)
    first = labels.index(f"{repeated:02}:00{before}")
    assert labels[first : first + 9] == [
        *(f"{repeated:02}:{m:02}{before}" for m in (0, 15, 30, 45)),
        *(f"{repeated:02}:{m:02}{after}" for m in (0, 15, 30, 45)),
        f"{repeated + 1:02}:00{after}",
    ]
    assert [slot.start.fold for slot in slots[first : first + 8]] == [0] * 4 + [1] * 4
    instants = [slot.start.astimezone(UTC) for slot in slots]
    assert {b - a for a, b in pairwise(instants)} == {QUARTER}
    across = slots[first + 3]  # the first :45 plus thirty real minutes is the second :15
    assert across.end.strftime("%H:%M") + across.end.isoformat()[-6:] == f"{repeated:02}:15{after}"


def test_slots_of_the_two_half_past_twos_are_different_slots() -> None:
    zone = ZoneInfo(AMS)
    first = Slot(
        datetime(2026, 10, 25, 2, 30, tzinfo=zone), datetime(2026, 10, 25, 3, tzinfo=zone), ("a",)
    )
    second = Slot(
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=zone),
        datetime(2026, 10, 25, 3, fold=1, tzinfo=zone),
        ("a",),
    )
    assert first.start == second.start  # Python's own comparison, by wall clock, is blind
    assert first != second
    assert len({first, second}) == 2
    assert sorted([second, first]) == [first, second]


@pytest.mark.parametrize(
    ("day", "hours", "expected"),
    [
        (AMS_SPRING, "Sun 01:00-04:00", ["01:00+01:00", "01:30+01:00", "03:00+02:00"]),
        (AMS_SPRING, "Sun 02:30-05:00", ["03:00+02:00", "03:30+02:00", "04:00+02:00"]),
        (AMS_SPRING, "Sun 00:00-02:30", ["00:00+01:00", "00:30+01:00", "01:00+01:00"]),
        (
            AMS_AUTUMN,
            "Sun 01:00-04:00",
            [
                "01:00+02:00",
                "01:30+02:00",
                "02:00+02:00",
                "02:30+02:00",
                "02:00+01:00",
                "02:30+01:00",
                "03:00+01:00",
            ],
        ),
        (
            AMS_AUTUMN,
            "Sun 02:30-04:00",  # opens at the first 02:30 and stays open
            ["02:30+02:00", "02:00+01:00", "02:30+01:00", "03:00+01:00"],
        ),
        (
            AMS_AUTUMN,
            "Sun 00:00-02:30",  # closes at the second 02:30: an hour at 02:00 CET overruns
            [
                "00:00+02:00",
                "00:30+02:00",
                "01:00+02:00",
                "01:30+02:00",
                "02:00+02:00",
                "02:30+02:00",
            ],
        ),
        (
            AMS_SPRING,
            "Sun 10:00-12:00",
            ["10:00+02:00", "10:30+02:00", "11:00+02:00"],
        ),
    ],
)
def test_opening_hours_on_clock_change_nights(day: date, hours: str, expected: list[str]) -> None:
    slots = slots_on(day, AMS, hours, kind=HOUR_LONG, step=timedelta(minutes=30))
    assert stamps(slots) == expected
    assert_well_formed(slots, HOUR_LONG, timedelta(minutes=30))


def test_a_booking_in_the_second_repeated_hour_leaves_the_first_free() -> None:
    zone = ZoneInfo(AMS)
    second_two = datetime(2026, 10, 25, 2, 0, fold=1, tzinfo=zone)  # 01:00 UTC
    taken = Booking("a1", second_two, second_two.astimezone(UTC) + timedelta(minutes=30))
    slots = slots_on(AMS_AUTUMN, AMS, bookings=[taken])
    labels = stamps(slots)
    assert labels[labels.index("02:00+02:00") :][:5] == [
        "02:00+02:00",
        "02:15+02:00",
        "02:30+02:00",  # ends 01:00 UTC, just as the booking starts
        "02:30+01:00",  # starts 01:30 UTC, just as the booking ends
        "02:45+01:00",
    ]


def test_notice_is_measured_in_real_hours_across_the_jump() -> None:
    now = datetime(2026, 3, 28, 12, 0, tzinfo=ZoneInfo(AMS))  # Saturday noon, CET
    kind = replace(VIDEO, min_notice=timedelta(hours=24))
    slots = slots_on(AMS_SPRING, AMS, kind=kind, now=now)
    assert stamps(slots)[0] == "13:00+02:00"  # 24 real hours later the clock says 13:00


def test_max_ahead_is_measured_in_real_hours_across_the_jump() -> None:
    now = datetime(2026, 10, 24, 12, 0, tzinfo=ZoneInfo(AMS))  # Saturday noon, CEST
    kind = replace(VIDEO, max_ahead=timedelta(hours=24))
    slots = slots_on(AMS_AUTUMN, AMS, kind=kind, now=now)
    assert stamps(slots)[-1] == "11:00+01:00"


@pytest.mark.parametrize(
    ("day", "tz", "offset"),
    [(NYC_SPRING, NYC, "-04:00"), (NYC_AUTUMN, NYC, "-05:00"), (AMS_AUTUMN, AMS, "+01:00")],
)
def test_daytime_hours_are_untouched_by_the_night_change(day: date, tz: str, offset: str) -> None:
    slots = slots_on(day, tz, "Sun 11:00-18:00", kind=HOUR_LONG, step=timedelta(hours=1))
    assert stamps(slots) == [f"{h}:00{offset}" for h in range(11, 18)]
    assert_well_formed(slots, HOUR_LONG, timedelta(hours=1))


def test_a_midnight_gap_starts_the_day_at_one() -> None:
    # Chile moves its clocks at midnight: 2026-09-06 starts at 01:00.
    slots = slots_on(date(2026, 9, 6), SCL, kind=HOUR_LONG, step=timedelta(hours=1))
    assert len(slots) == 23
    assert stamps(slots)[0] == "01:00-03:00"
    assert_well_formed(slots, HOUR_LONG, timedelta(hours=1))


def test_a_midnight_fall_back_repeats_the_last_hour_of_the_day() -> None:
    # 2026-04-04 ends twice at 23:00 in Chile: the clock falls back from 24:00 to 23:00.
    slots = slots_on(date(2026, 4, 4), SCL, kind=HOUR_LONG, step=timedelta(hours=1))
    assert len(slots) == 25
    assert stamps(slots)[-2:] == ["23:00-03:00", "23:00-04:00"]
    assert_well_formed(slots, HOUR_LONG, timedelta(hours=1))
