"""Properties of availability over random hours, schedules, bookings and clock changes.

The oracle shares no code with ``booking``: it walks every real minute of a local date
(found by scanning UTC minutes and asking ZoneInfo which date each one falls on) and
decides openness from the wall-clock readings alone. A minute is inside ``a-b`` when the
clock has already reached ``a`` that day and will still read before ``b`` at some later
minute that day: the first ``a`` opens, the last ``b`` closes, as the module documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from hypothesis import event, given, settings
from hypothesis import strategies as st

from booking.availability import free_slots
from booking.hours import DAYS, WeeklyHours, parse_hours
from booking.model import AmbassadorSchedule, AppointmentType, Booking, Slot, StoreCalendar

PROPERTY = settings(derandomize=True, max_examples=150, deadline=None, database=None)
MINUTE = timedelta(minutes=1)
# Each zone with the local dates of its 2026 clock changes (Saturday night in Santiago).
CHANGES = {
    "Europe/Amsterdam": ("2026-03-29", "2026-10-25"),
    "America/New_York": ("2026-03-08", "2026-11-01"),
    "Australia/Lord_Howe": ("2026-04-05", "2026-10-04"),  # half-hour clock changes
    "America/Santiago": ("2026-04-04", "2026-09-06"),  # clock changes at midnight
    "Asia/Shanghai": ("2026-06-15",),  # no clock changes
    "Asia/Kathmandu": ("2026-06-15",),  # +05:45
}
STEPS = (15, 20, 30, 45, 60)
LANGUAGES = ("fr", "fr-CA", "en", "zh")
SKILLS = ("watches", "jewellery")
Ranges = list[tuple[int, int]]  # minutes of the local day, end up to 1440


@dataclass(frozen=True)
class World:
    store: StoreCalendar
    ambassadors: tuple[AmbassadorSchedule, ...]
    bookings: tuple[Booking, ...]
    kind: AppointmentType
    window_start: datetime
    window_end: datetime
    now: datetime
    step: timedelta
    language: str | None
    only: str | None


def clock(minute: int) -> str:
    return f"{minute // 60:02}:{minute % 60:02}"


# Strategies are built once: building them inside every draw costs more than the test.
RANGES = st.sampled_from((1, 1, 1, 2, 2, 0))
TICK = st.one_of(st.integers(0, 16), st.integers(0, 80))  # quarter hours, often small hours
GAP = st.sampled_from((0, 1, 2, 4, 8, 16))
LENGTH = st.sampled_from((2, 4, 8, 12, 16, 24, 32, 40, 48, 96))
TWICE = st.integers(0, 2)
DURATION = st.one_of(
    st.sampled_from((15, 30, 30, 45, 60, 60, 90)), st.integers(1, 36).map(lambda n: n * 5)
)
BEFORE = st.sampled_from((0, 10, 60, 6 * 60, 12 * 60, 24 * 60, 3 * 24 * 60, -60))
RARELY = st.sampled_from((False, False, False, True))
DAY_PATTERN = {1: st.sampled_from((0, 1, 1, 1)), 2: st.sampled_from((0, 1, 1, 2, 2))}


def subset(draw: st.DrawFn, items: Sequence[str], *, min_size: int = 0) -> frozenset[str]:
    """A subset in one draw (a bitmask): cheap to generate, shrinks towards the first items."""
    mask = draw(st.integers(1 if min_size else 0, 2 ** len(items) - 1))
    return frozenset(item for bit, item in enumerate(items) if mask >> bit & 1)


def day_ranges(draw: st.DrawFn) -> Ranges:
    """Zero to two ranges on a quarter-hour grid, often in the small hours (where clocks
    change) and sometimes abutting (which must join)."""
    ranges: Ranges = []
    cursor = draw(TICK) * 15
    for _ in range(draw(RANGES)):
        start = cursor + draw(GAP) * 15
        end = min(1440, start + draw(LENGTH) * 15)
        if start >= end:
            break
        ranges.append((start, end))
        cursor = end
    return ranges


def weekly_hours(draw: st.DrawFn) -> WeeklyHours | None:
    """None (always open) or up to two day patterns spread over the week."""
    patterns = draw(st.sampled_from((0, 0, 1, 2)))
    if patterns == 0:
        return None
    shapes = [day_ranges(draw) for _ in range(patterns)]
    groups = []
    for day in DAYS:
        choice = draw(DAY_PATTERN[patterns])  # 0: closed that day
        if choice and shapes[choice - 1]:
            ranges = shapes[choice - 1]
            groups.append(f"{day} " + " ".join(f"{clock(a)}-{clock(b)}" for a, b in ranges))
    return parse_hours("; ".join(groups)) if groups else {}


def as_time(minute: int) -> time:
    return time.max if minute == 1440 else time(minute // 60, minute % 60)


def near(draw: st.DrawFn, start: datetime, end: datetime) -> datetime:
    """An instant on a five-minute grid from two hours before the window to its end."""
    fives = int((end - start) / timedelta(minutes=5))
    return start + timedelta(minutes=5 * draw(st.integers(-24, max(fives, 0))))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    tz = draw(st.sampled_from(sorted(CHANGES)))
    anchor = date.fromisoformat(draw(st.sampled_from(CHANGES[tz])))
    window_start = datetime.combine(anchor, time(), ZoneInfo(tz)).astimezone(UTC) + timedelta(
        hours=draw(st.sampled_from((-30, -24, -12, -6, -3, -1, 0, 1, 2, 6))),
        minutes=draw(st.integers(0, 59)),
    )
    window_end = window_start + timedelta(
        hours=draw(st.sampled_from((0, 6, 12, 24, 36, 48, 48, 72))),
        minutes=draw(st.integers(0, 59)),
    )
    exceptions = {
        anchor + timedelta(days=draw(st.integers(-2, 2))): [
            (as_time(a), as_time(b)) for a, b in day_ranges(draw)
        ]
        for _ in range(draw(TWICE))
    }
    store = StoreCalendar("S", tz, weekly_hours(draw), exceptions)
    ambassadors = []
    for index in range(draw(st.sampled_from((1, 2, 3, 3, 4)))):
        time_off = []
        for _ in range(draw(TWICE)):
            start = near(draw, window_start, window_end)
            time_off.append((start, start + timedelta(minutes=draw(st.integers(1, 120)) * 5)))
        ambassadors.append(
            AmbassadorSchedule(
                f"a{index}",
                subset(draw, LANGUAGES, min_size=1),
                subset(draw, SKILLS),
                weekly_hours(draw) if draw(RARELY) else None,
                tuple(time_off),
            )
        )
    bookings = []
    for _ in range(draw(st.integers(0, 12))):
        start = near(draw, window_start, window_end)
        bookings.append(
            Booking(
                f"a{draw(st.integers(0, len(ambassadors)))}",  # sometimes nobody listed
                start,
                start + timedelta(minutes=draw(st.integers(1, 24)) * 5),
                timedelta(minutes=draw(st.integers(0, 6)) * 5),
                timedelta(minutes=draw(st.integers(0, 6)) * 5),
            )
        )
    notice = timedelta(minutes=draw(st.sampled_from((0, 0, 1, 4, 8, 48))) * 15)
    ahead = timedelta(hours=draw(st.sampled_from((12, 48, 96, 192, 192))))
    kind = AppointmentType(
        "t",
        draw(st.sampled_from(("virtual", "in_store"))),
        duration=timedelta(minutes=draw(DURATION)),
        buffer_before=timedelta(minutes=draw(st.integers(0, 4)) * 10),
        buffer_after=timedelta(minutes=draw(st.integers(0, 4)) * 10),
        min_notice=notice,
        max_ahead=notice + ahead + timedelta(minutes=draw(st.integers(0, 3)) * 15),
        languages=subset(draw, ("en",)) if draw(RARELY) else frozenset(),
        skills=subset(draw, SKILLS[:1]) if draw(RARELY) else frozenset(),
    )
    return World(
        store,
        tuple(ambassadors),
        tuple(bookings),
        kind,
        window_start,
        window_end,
        window_start - timedelta(minutes=draw(BEFORE) + draw(st.integers(0, 59))),
        timedelta(minutes=draw(st.sampled_from(STEPS))),
        draw(st.sampled_from((None,) * 8 + (*LANGUAGES, "de", "EN-us"))),
        draw(st.sampled_from((None,) * 6 + ("a0", "a1", "zz"))),
    )


# --- the oracle ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """Every real minute of one local date, with the wall-clock minute it reads."""

    minutes: tuple[datetime, ...]
    readings: tuple[int, ...]

    def index(self, moment: datetime) -> int:
        return int((moment - self.minutes[0]) / MINUTE)


@lru_cache(maxsize=1024)
def local_day(tz: str, day: date) -> Day:
    zone = ZoneInfo(tz)
    first = datetime.combine(day, time(), UTC) - timedelta(hours=15)
    found = [first + i * MINUTE for i in range(54 * 60)]
    ours = [(m, m.astimezone(zone)) for m in found if m.astimezone(zone).date() == day]
    return Day(tuple(m for m, _ in ours), tuple(w.hour * 60 + w.minute for _, w in ours))


@lru_cache(maxsize=4096)
def closed_before(tz: str, day: date, ranges: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """How many closed minutes precede each minute of the day (a prefix sum), so "open
    throughout ``[i, j)``" is one subtraction."""
    readings = local_day(tz, day).readings
    reached = accumulate(readings, max)
    pending = list(accumulate(reversed(readings), min))[::-1]
    closed = (
        not any(r >= a and p < b for a, b in ranges) for r, p in zip(reached, pending, strict=True)
    )
    return (0, *accumulate(int(c) for c in closed))


def open_throughout(tz: str, day: date, ranges: Ranges, first: int, last: int) -> bool:
    prefix = closed_before(tz, day, tuple(ranges))
    return prefix[last] - prefix[first] == 0


def minutes_of(ranges: Sequence[tuple[time, time]]) -> Ranges:
    def minute(t: time) -> int:
        return 1440 if t == time.max else t.hour * 60 + t.minute

    return [(minute(a), minute(b)) for a, b in ranges]


def weekly_minutes(hours: WeeklyHours | None, day: date) -> Ranges:
    if hours is None:
        return [(0, 1440)]
    return [
        (int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:]))
        for a, b in hours.get(DAYS[day.weekday()], [])
    ]


def store_minutes(store: StoreCalendar, day: date) -> Ranges:
    if day in store.exceptions:
        return minutes_of(store.exceptions[day])
    return weekly_minutes(store.weekly, day)


def speaks(languages: frozenset[str], wanted: str) -> bool:
    return wanted.split("-")[0].lower() in {tag.split("-")[0].lower() for tag in languages}


def qualified(world: World, person: AmbassadorSchedule) -> bool:
    kind = world.kind
    return (
        (world.only is None or person.ambassador_id == world.only)
        and kind.skills <= person.skills
        and all(speaks(person.languages, tag) for tag in kind.languages)
        and (world.language is None or speaks(person.languages, world.language))
    )


def free(world: World, person: AmbassadorSchedule, start: datetime) -> bool:
    tz, local = world.store.timezone, start.astimezone(world.store.zone).date()
    day = local_day(tz, local)
    end = start + world.kind.duration
    first, last = day.index(start), day.index(end)
    if last > len(day.minutes):
        return False  # runs past the local date
    if not open_throughout(tz, local, store_minutes(world.store, local), first, last):
        return False
    own = person.weekly
    if own is not None and not open_throughout(tz, local, weekly_minutes(own, local), first, last):
        return False
    if any(off_start < end and start < off_end for off_start, off_end in person.time_off):
        return False
    before, after = start - world.kind.buffer_before, end + world.kind.buffer_after
    return not any(
        b.ambassador_id == person.ambassador_id
        and b.start - b.buffer_before < after
        and before < b.end + b.buffer_after
        for b in world.bookings
    )


def expected_slots(world: World) -> list[tuple[datetime, tuple[str, ...]]]:
    zone = world.store.zone
    low = max(world.window_start, world.now + world.kind.min_notice)
    high = world.now + world.kind.max_ahead
    step = world.step // MINUTE
    people = [p for p in world.ambassadors if qualified(world, p)]
    result = []
    day = (low - timedelta(days=1)).astimezone(zone).date()
    while datetime.combine(day, time(), UTC) <= high + timedelta(days=2):
        local = local_day(world.store.timezone, day)
        for index, start in enumerate(local.minutes):
            if local.readings[index] % step or not low <= start < world.window_end or start > high:
                continue
            ids = tuple(sorted(p.ambassador_id for p in people if free(world, p, start)))
            if ids:
                result.append((start, ids))
        day += timedelta(days=1)
    return result


# --- the properties -----------------------------------------------------------------------


def run(world: World) -> list[Slot]:
    return free_slots(
        store=world.store,
        ambassadors=world.ambassadors,
        bookings=world.bookings,
        appointment_type=world.kind,
        window_start=world.window_start,
        window_end=world.window_end,
        now=world.now,
        step=world.step,
        ambassador_id=world.only,
        language=world.language,
    )


@PROPERTY
@given(worlds())
def test_slots_are_sound_sorted_and_unique(world: World) -> None:
    slots = run(world)
    zone, kind = world.store.zone, world.kind
    starts = [slot.start.astimezone(UTC) for slot in slots]
    assert starts == sorted(set(starts))
    by_id = {person.ambassador_id: person for person in world.ambassadors}
    for slot, start in zip(slots, starts, strict=True):
        assert slot.start.tzinfo is zone and slot.end.tzinfo is zone
        assert slot.end.astimezone(UTC) - start == kind.duration
        assert world.window_start <= start < world.window_end
        assert world.now + kind.min_notice <= start <= world.now + kind.max_ahead
        assert (slot.start.hour * 60 + slot.start.minute) % (world.step // MINUTE) == 0
        assert slot.ambassador_ids and list(slot.ambassador_ids) == sorted(set(slot.ambassador_ids))
        for key in slot.ambassador_ids:
            assert qualified(world, by_id[key])
            assert free(world, by_id[key], start), (slot, key)


@PROPERTY
@given(worlds())
def test_slots_are_exactly_what_the_oracle_finds(world: World) -> None:
    slots = run(world)
    got = [(slot.start.astimezone(UTC), slot.ambassador_ids) for slot in slots]
    assert got == expected_slots(world)
    # Coverage, shown by --hypothesis-show-statistics: are the interesting cases generated?
    event("some slots" if slots else "no slots")
    if len({slot.start.utcoffset() for slot in slots}) > 1:
        event("slots on both sides of a clock change")
    if any(slot.start.fold for slot in slots):
        event("a slot in the repeated hour")
    if any(len(slot.ambassador_ids) > 1 for slot in slots):
        event("a slot with several ambassadors")


@PROPERTY
@given(
    tz=st.sampled_from(("UTC", "Asia/Shanghai", "Asia/Kathmandu", "Asia/Kolkata")),
    first=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    days=st.integers(1, 5),
    duration=st.integers(1, 36).map(lambda n: n * 5),
    step=st.sampled_from((5, 10, 15, 20, 30, 45, 60, 90)),
)
def test_all_day_hours_offer_every_start_the_arithmetic_allows(
    tz: str, first: date, days: int, duration: int, step: int
) -> None:
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(), zone)
    kind = AppointmentType(
        "t",
        "virtual",
        duration=timedelta(minutes=duration),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=10),
        min_notice=timedelta(0),
        max_ahead=timedelta(days=30),
    )
    slots = free_slots(
        store=StoreCalendar("S", tz, None),
        ambassadors=(AmbassadorSchedule("a", frozenset({"en"})),),
        bookings=(),
        appointment_type=kind,
        window_start=start,
        window_end=start + timedelta(days=days),
        now=start,
        step=timedelta(minutes=step),
    )
    assert len(slots) == days * ((1440 - duration) // step + 1)
