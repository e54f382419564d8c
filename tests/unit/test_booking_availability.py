"""Availability on ordinary days: hours, exceptions, schedules, time off, notice, buffers,
filters, and slots shown with the store's own offset."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import blocked_interval, first_free_ambassador, free_slots, overlaps
from booking.hours import parse_hours
from booking.model import AmbassadorSchedule, AppointmentType, Booking, Slot, StoreCalendar

AMS = "Europe/Amsterdam"
DAY = date(2026, 11, 25)  # a Wednesday, weeks away from any clock change
YESTERDAY = DAY - timedelta(days=1)
NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)
BASE_TYPE = AppointmentType(
    code="in-store",
    kind="in_store",
    duration=timedelta(minutes=60),
    buffer_before=timedelta(0),
    buffer_after=timedelta(0),
    min_notice=timedelta(0),
    max_ahead=timedelta(days=90),
)


def minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def at(hhmm: str, day: date = DAY, tz: str = AMS) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZoneInfo(tz))


def store(
    hours: str | None = "Mon-Sat 10:00-19:00",
    tz: str = AMS,
    exceptions: dict[date, list[tuple[time, time]]] | None = None,
) -> StoreCalendar:
    weekly = None if hours is None else parse_hours(hours)
    return StoreCalendar("AMS1", tz, weekly, exceptions or {})


def ambassador(
    key: str = "a1",
    languages: Sequence[str] = ("en", "fr"),
    skills: Sequence[str] = (),
    hours: str | None = None,
    time_off: tuple[tuple[datetime, datetime], ...] = (),
) -> AmbassadorSchedule:
    weekly = None if hours is None else parse_hours(hours)
    return AmbassadorSchedule(key, frozenset(languages), frozenset(skills), weekly, time_off)


def booking(start: str, end: str, before: int = 0, after: int = 0, who: str = "a1") -> Booking:
    return Booking(who, at(start), at(end), minutes(before), minutes(after))


def starts(slots: Sequence[Slot]) -> list[str]:
    return [slot.start.strftime("%H:%M") for slot in slots]


def ask(
    window_start: datetime,
    window_end: datetime,
    *,
    now: datetime = NOW,
    team: Sequence[AmbassadorSchedule] = (ambassador(),),
    step: timedelta = timedelta(minutes=15),
) -> list[Slot]:
    """The Wednesday store with one ambassador and no bookings, for window questions."""
    return free_slots(
        store=store(),
        ambassadors=team,
        bookings=(),
        appointment_type=BASE_TYPE,
        window_start=window_start,
        window_end=window_end,
        now=now,
        step=step,
    )


@dataclass(frozen=True)
class Case:
    store: StoreCalendar = field(default_factory=lambda: store("Wed 10:00-12:00"))
    ambassadors: tuple[AmbassadorSchedule, ...] = (ambassador(),)
    bookings: tuple[Booking, ...] = ()
    kind: AppointmentType = BASE_TYPE
    now: datetime = NOW
    step: timedelta = HALF_HOUR

    def slots(self) -> list[Slot]:
        return free_slots(
            store=self.store,
            ambassadors=self.ambassadors,
            bookings=self.bookings,
            appointment_type=self.kind,
            window_start=at("00:00"),
            window_end=at("00:00", DAY + timedelta(days=1)),
            now=self.now,
            step=self.step,
        )


WIDE = store("Wed 10:00-15:00")
CASES = [
    pytest.param(Case(), ["10:00", "10:30", "11:00"], id="opening-boundaries"),
    pytest.param(Case(store("Mon-Tue 10:00-12:00")), [], id="closed-weekday"),
    pytest.param(
        Case(store("Wed 10:00-12:00 14:00-16:00")),
        ["10:00", "10:30", "11:00", "14:00", "14:30", "15:00"],
        id="lunch-break-is-not-straddled",
    ),
    pytest.param(
        Case(store("Wed 10:00-12:00 12:00-13:00")),
        ["10:00", "10:30", "11:00", "11:30", "12:00"],
        id="abutting-ranges-join",
    ),
    pytest.param(Case(store("Wed 22:00-24:00")), ["22:00", "22:30", "23:00"], id="until-midnight"),
    pytest.param(Case(store(exceptions={DAY: []})), [], id="holiday-closed"),
    pytest.param(
        Case(store(exceptions={DAY: [(time(10), time(11, 30))]})),
        ["10:00", "10:30"],
        id="special-short-day",
    ),
    pytest.param(
        Case(store("Mon-Tue 10:00-19:00", exceptions={DAY: [(time(14), time(16))]})),
        ["14:00", "14:30", "15:00"],
        id="special-opening-on-a-closed-day",
    ),
    pytest.param(
        Case(store("Wed 10:00-12:00", exceptions={DAY + timedelta(days=1): []})),
        ["10:00", "10:30", "11:00"],
        id="another-days-exception-leaves-this-one",
    ),
    pytest.param(
        Case(store("Wed 10:00-19:00"), (ambassador(hours="Wed 13:00-15:00"),)),
        ["13:00", "13:30", "14:00"],
        id="ambassador-narrower-than-store",
    ),
    pytest.param(
        Case(ambassadors=(ambassador(hours="Mon-Sun 08:00-20:00"),)),
        ["10:00", "10:30", "11:00"],
        id="store-hours-bound-a-wider-ambassador",
    ),
    pytest.param(
        Case(ambassadors=(ambassador(hours="Mon 10:00-19:00"),)), [], id="ambassador-day-off"
    ),
    pytest.param(
        Case(WIDE, (ambassador(time_off=((at("11:00"), at("12:30")),)),)),
        ["10:00", "12:30", "13:00", "13:30", "14:00"],
        id="time-off",
    ),
    pytest.param(
        Case(
            WIDE,
            (
                ambassador(
                    time_off=(
                        (datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC)),
                    )
                ),
            ),
        ),
        [],
        id="time-off-given-in-utc",
    ),
    pytest.param(
        Case(WIDE, now=at("10:10"), kind=replace(BASE_TYPE, min_notice=minutes(120))),
        ["12:30", "13:00", "13:30", "14:00"],
        id="min-notice",
    ),
    pytest.param(
        Case(WIDE, now=at("10:00"), kind=replace(BASE_TYPE, min_notice=minutes(120))),
        ["12:00", "12:30", "13:00", "13:30", "14:00"],
        id="min-notice-boundary-included",
    ),
    pytest.param(
        Case(WIDE, now=at("10:00"), kind=replace(BASE_TYPE, min_notice=minutes(0))),
        ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:00"],
        id="no-notice-offers-now",
    ),
    pytest.param(
        Case(
            WIDE,
            now=at("11:00", DAY - timedelta(days=1)),
            kind=replace(BASE_TYPE, max_ahead=timedelta(days=1)),
        ),
        ["10:00", "10:30", "11:00"],
        id="max-ahead-boundary-included",
    ),
    pytest.param(
        Case(WIDE, bookings=(booking("12:00", "13:00"),)),
        ["10:00", "10:30", "11:00", "13:00", "13:30", "14:00"],
        id="booking-back-to-back-allowed",
    ),
    pytest.param(
        Case(WIDE, bookings=(booking("12:00", "13:00", 15, 15),)),
        ["10:00", "10:30", "13:30", "14:00"],
        id="booking-buffers-block-neighbours",
    ),
    pytest.param(
        Case(
            WIDE,
            bookings=(booking("12:00", "13:00"),),
            kind=replace(BASE_TYPE, buffer_after=HALF_HOUR),
        ),
        ["10:00", "10:30", "13:00", "13:30", "14:00"],
        id="type-buffer-after",
    ),
    pytest.param(
        Case(
            WIDE,
            bookings=(booking("12:00", "13:00"),),
            kind=replace(BASE_TYPE, buffer_before=HALF_HOUR),
        ),
        ["10:00", "10:30", "11:00", "13:30", "14:00"],
        id="type-buffer-before",
    ),
    pytest.param(
        Case(
            WIDE,
            bookings=(booking("12:00", "13:00", 15, 15),),
            kind=replace(BASE_TYPE, buffer_before=minutes(15), buffer_after=minutes(15)),
            step=minutes(15),
        ),
        ["10:00", "10:15", "10:30", "13:30", "13:45", "14:00"],
        id="both-buffers-quarter-hours",
    ),
    pytest.param(
        Case(kind=replace(BASE_TYPE, buffer_before=HALF_HOUR, buffer_after=HALF_HOUR)),
        ["10:00", "10:30", "11:00"],
        id="buffers-may-fall-outside-opening-hours",
    ),
    pytest.param(
        Case(WIDE, bookings=(booking("11:00", "14:00", who="someone-else"),)),
        ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:00"],
        id="other-ambassadors-bookings-do-not-block",
    ),
    pytest.param(
        Case(
            WIDE,
            bookings=(
                booking("11:00", "12:00"),
                booking("10:30", "13:30"),
                booking("13:30", "14:00"),
            ),
        ),
        ["14:00"],
        id="nested-and-touching-bookings",
    ),
]


@pytest.mark.parametrize(("case", "expected"), CASES)
def test_offered_starts(case: Case, expected: list[str]) -> None:
    slots = case.slots()
    assert starts(slots) == expected
    for slot in slots:
        assert slot.end - slot.start == case.kind.duration
        assert slot.ambassador_ids == ("a1",)


def test_exception_hours_must_run_forwards() -> None:
    broken = store(exceptions={DAY: [(time(18), time(0))]})
    with pytest.raises(ValueError, match=r"time\.max"):
        Case(broken).slots()


def test_a_slot_lists_every_free_ambassador_and_needs_only_one() -> None:
    a, b = ambassador("a"), ambassador("b", hours="Wed 11:00-12:00")
    case = Case(store("Wed 10:00-12:00"), (b, a), (booking("10:00", "11:00", who="a"),))
    assert [(s.start.strftime("%H:%M"), s.ambassador_ids) for s in case.slots()] == [
        ("11:00", ("a", "b")),
    ]
    case = replace(case, bookings=(booking("11:00", "11:30", who="a"),))
    assert [(s.start.strftime("%H:%M"), s.ambassador_ids) for s in case.slots()] == [
        ("10:00", ("a",)),
        ("11:00", ("b",)),
    ]
    assert case.slots()[0].available == 1


TEAM = (
    ambassador("a", languages=("fr",), skills=("watches",)),
    ambassador("b", languages=("en-GB",), skills=("watches", "jewellery")),
    ambassador("c", languages=("zh", "en"), skills=()),
)


@pytest.mark.parametrize(
    ("language", "skills", "languages", "only", "expected"),
    [
        (None, (), (), None, ("a", "b", "c")),
        ("fr-CA", (), (), None, ("a",)),
        ("EN", (), (), None, ("b", "c")),
        ("de", (), (), None, ()),
        (None, ("watches",), (), None, ("a", "b")),
        (None, ("watches", "jewellery"), (), None, ("b",)),
        (None, (), ("zh",), None, ("c",)),
        (None, (), ("en", "fr"), None, ()),
        ("en", ("watches",), (), None, ("b",)),
        (None, (), (), "b", ("b",)),
        (None, (), (), "nobody", ()),
        ("en", (), (), "a", ()),
    ],
)
def test_language_skills_and_ambassador_filters(
    language: str | None,
    skills: tuple[str, ...],
    languages: tuple[str, ...],
    only: str | None,
    expected: tuple[str, ...],
) -> None:
    kind = replace(BASE_TYPE, skills=frozenset(skills), languages=frozenset(languages))
    slots = free_slots(
        store=store("Wed 10:00-12:00"),
        ambassadors=TEAM,
        bookings=(),
        appointment_type=kind,
        window_start=at("00:00"),
        window_end=at("23:00"),
        now=NOW,
        ambassador_id=only,
        language=language,
    )
    assert {slot.ambassador_ids for slot in slots} == ({expected} if expected else set())
    assert len(slots) == (5 if expected else 0)  # 10:00..11:00 every 15 minutes


@pytest.mark.parametrize(
    ("tz", "day", "start", "end"),
    [
        ("Asia/Shanghai", DAY, "2026-11-25T10:00:00+08:00", "2026-11-25T11:00:00+08:00"),
        ("America/New_York", DAY, "2026-11-25T10:00:00-05:00", "2026-11-25T11:00:00-05:00"),
        (
            "America/New_York",
            date(2026, 6, 17),
            "2026-06-17T10:00:00-04:00",
            "2026-06-17T11:00:00-04:00",
        ),
        ("Europe/Amsterdam", DAY, "2026-11-25T10:00:00+01:00", "2026-11-25T11:00:00+01:00"),
        (
            "Europe/Amsterdam",
            date(2026, 6, 17),
            "2026-06-17T10:00:00+02:00",
            "2026-06-17T11:00:00+02:00",
        ),
    ],
)
def test_slots_carry_the_store_offset(tz: str, day: date, start: str, end: str) -> None:
    slots = free_slots(
        store=store("Wed 10:00-12:00", tz=tz),
        ambassadors=(ambassador(),),
        bookings=(),
        appointment_type=BASE_TYPE,
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2027, 1, 1, tzinfo=UTC),
        now=datetime.combine(day, time(), UTC) - timedelta(days=3),
    )
    assert slots[0].start.isoformat() == start
    assert slots[0].end.isoformat() == end
    assert all(slot.start.tzinfo == ZoneInfo(tz) for slot in slots)


def test_window_holds_starts_from_its_start_up_to_before_its_end() -> None:
    assert starts(ask(at("10:30").astimezone(UTC), at("11:30"))) == [
        "10:30",
        "10:45",
        "11:00",
        "11:15",
    ]


def test_several_days_come_sorted_and_skip_closed_days() -> None:
    saturday = date(2026, 11, 28)
    slots = free_slots(
        store=store("Mon-Sat 10:00-11:00"),
        ambassadors=(ambassador(),),
        bookings=(),
        appointment_type=BASE_TYPE,
        window_start=at("00:00", saturday),
        window_end=at("00:00", saturday + timedelta(days=3)),
        now=NOW,
    )
    assert [slot.start.isoformat() for slot in slots] == [
        "2026-11-28T10:00:00+01:00",
        "2026-11-30T10:00:00+01:00",
    ]


def test_empty_window_and_past_window_offer_nothing() -> None:
    assert ask(at("12:00"), at("12:00")) == []
    assert ask(at("10:00"), at("19:00"), now=at("20:00")) == []


@pytest.mark.parametrize(
    ("bookings", "expected"),
    [
        ((), "a"),  # nobody booked: smallest id
        ((booking("15:00", "16:00", who="a"),), "b"),
        (
            (
                booking("15:00", "16:00", who="a"),
                booking("16:00", "17:00", who="a"),
                booking("15:00", "16:00", who="b"),
                booking("17:00", "18:00", who="c"),
            ),
            "b",  # a has two, b and c one each: b by id
        ),
        (
            (
                *(
                    Booking("a", at(hour, YESTERDAY), at(hour, YESTERDAY) + timedelta(hours=1))
                    for hour in ("10:00", "12:00", "15:00")
                ),
                booking("15:00", "16:00", who="b"),
                booking("15:00", "16:00", who="c"),
            ),
            "a",  # yesterday's bookings do not count against today
        ),
        ((booking("10:30", "11:00", who="a"), booking("10:00", "10:30", who="b")), "c"),
        (
            (booking("11:00", "11:30", 15, 0, who="a"),),
            "b",
        ),  # a's buffer reaches back into the slot
        (
            (
                booking("10:30", "11:00", who="a"),
                booking("10:00", "10:30", who="b"),
                booking("09:00", "12:00", who="c"),
            ),
            None,
        ),
    ],
)
def test_first_free_ambassador_is_the_least_booked_who_is_still_free(
    bookings: tuple[Booking, ...], expected: str | None
) -> None:
    slot = Slot(at("10:00"), at("11:00"), ("c", "a", "b"))
    kind = BASE_TYPE
    assert first_free_ambassador(slot, bookings=bookings, appointment_type=kind) == expected
    reversed_slot = replace(slot, ambassador_ids=("b", "a", "c"))
    chosen = first_free_ambassador(reversed_slot, bookings=bookings[::-1], appointment_type=kind)
    assert chosen == expected


def test_first_free_ambassador_respects_the_types_buffers() -> None:
    slot = Slot(at("10:00"), at("11:00"), ("a",))
    kind = replace(BASE_TYPE, buffer_after=minutes(15))
    bookings = (booking("11:00", "12:00", who="a"),)
    assert first_free_ambassador(slot, bookings=bookings, appointment_type=BASE_TYPE) == "a"
    assert first_free_ambassador(slot, bookings=bookings, appointment_type=kind) is None


def test_overlaps_is_half_open_and_zone_blind() -> None:
    ten, eleven, noon = at("10:00"), at("11:00"), at("12:00")
    assert overlaps(ten, noon, eleven, noon)
    assert overlaps(ten, noon, at("10:30"), at("10:45"))
    assert not overlaps(ten, eleven, eleven, noon)
    assert not overlaps(eleven, noon, ten, eleven)
    shanghai = eleven.astimezone(ZoneInfo("Asia/Shanghai"))
    assert overlaps(ten, at("11:01"), shanghai, noon)
    with pytest.raises(ValueError, match="no time zone"):
        overlaps(ten.replace(tzinfo=None), eleven, ten, eleven)


def test_blocked_interval_adds_the_buffers_in_utc() -> None:
    start, end = blocked_interval(booking("12:00", "13:00", 15, 30))
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-25T10:45:00+00:00",
        "2026-11-25T12:30:00+00:00",
    )


@pytest.mark.parametrize(
    ("build", "complaint"),
    [
        (lambda: replace(BASE_TYPE, kind="phone"), "kind"),  # type: ignore[arg-type]
        (lambda: replace(BASE_TYPE, duration=timedelta(0)), "duration"),
        (lambda: replace(BASE_TYPE, buffer_after=minutes(-5)), "buffer_after"),
        (
            lambda: replace(BASE_TYPE, min_notice=timedelta(days=2), max_ahead=timedelta(days=1)),
            "max_ahead",
        ),
        (lambda: StoreCalendar("X", "Mars/Olympus", None), "time zone"),
        (lambda: Booking("a", at("11:00"), at("10:00")), "ends before"),
        (lambda: Booking("a", at("10:00"), at("11:00"), minutes(-1)), "negative"),
        (lambda: Booking("a", datetime(2026, 1, 1), datetime(2026, 1, 2)), "no time zone"),
        (lambda: ambassador(time_off=((at("11:00"), at("10:00")),)), "time off"),
    ],
)
def test_bad_data_is_refused_where_it_is_built(build: Callable[[], object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        build()


def test_bad_queries_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        ask(datetime(2026, 11, 25), at("19:00"))
    with pytest.raises(ValueError, match="twice"):
        ask(at("10:00"), at("19:00"), team=(ambassador(), ambassador()))
    with pytest.raises(ValueError, match="step"):
        ask(at("10:00"), at("19:00"), step=timedelta(0))
