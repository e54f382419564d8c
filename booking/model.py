"""Plain data the availability maths decides on; built by the hub from its database rows.

Values are checked when built, so a bad row fails loudly where it is loaded rather than
as a silently empty calendar. Instants must be aware: a naive datetime is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import total_ordering
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from booking.hours import WeeklyHours
from booking.intervals import utc

Kind = Literal["virtual", "in_store"]
KINDS: tuple[Kind, ...] = ("virtual", "in_store")
_ZERO = timedelta(0)


def speaks(languages: Iterable[str], wanted: str) -> bool:
    """Language tags match on their primary subtag: an ``fr`` speaker serves ``fr-CA``.

    The same rule as chat routing, so the person who books is served as in the chat.
    """
    primary = wanted.split("-")[0].lower()
    return any(tag.split("-")[0].lower() == primary for tag in languages)


@dataclass(frozen=True)
class AppointmentType:
    """What is being booked: how long it lasts, the quiet time around it, how far ahead.

    Buffers (preparation, clearing the salon, the next video link) block the ambassador's
    time but are not shown to the customer. ``languages`` and ``skills`` are what every
    ambassador taking this type must have (all of them).
    """

    code: str
    kind: Kind
    duration: timedelta
    buffer_before: timedelta
    buffer_after: timedelta
    min_notice: timedelta
    max_ahead: timedelta
    languages: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"appointment type {self.code!r}: kind must be one of {KINDS}")
        if self.duration <= _ZERO:
            raise ValueError(f"appointment type {self.code!r}: duration must be positive")
        for name in ("buffer_before", "buffer_after", "min_notice"):
            if getattr(self, name) < _ZERO:
                raise ValueError(f"appointment type {self.code!r}: {name} cannot be negative")
        if self.max_ahead < self.min_notice:
            raise ValueError(f"appointment type {self.code!r}: max_ahead is before min_notice")


@dataclass(frozen=True)
class StoreCalendar:
    """When a store is open, in its own zone: weekly hours overridden per date.

    ``weekly`` None means always open. ``exceptions`` maps a local date to that day's
    ranges instead of the weekly ones: ``[]`` is closed (a holiday), otherwise special
    hours; the end of the day is ``time.max`` (as ``24:00`` reads in the weekly notation).
    """

    store_id: str
    timezone: str
    weekly: WeeklyHours | None
    exceptions: Mapping[date, list[tuple[time, time]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"store {self.store_id!r}: unknown time zone {self.timezone!r}"
            ) from error

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key


@dataclass(frozen=True)
class AmbassadorSchedule:
    """Who can take an appointment and when they work, in the store's zone.

    ``weekly`` None means the ambassador works the store's opening hours. ``time_off``
    holds aware ``(start, end)`` instants: holidays, training, a dentist.
    """

    ambassador_id: str
    languages: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    weekly: WeeklyHours | None = None
    time_off: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        for start, end in self.time_off:
            if utc(end) <= utc(start):
                raise ValueError(
                    f"ambassador {self.ambassador_id!r}: time off ends before it starts"
                )

    def qualifies(self, appointment_type: AppointmentType, language: str | None) -> bool:
        """Has the type's skills and languages and speaks the customer's language."""
        if not appointment_type.skills <= self.skills:
            return False
        if not all(speaks(self.languages, tag) for tag in appointment_type.languages):
            return False
        return language is None or speaks(self.languages, language)


@dataclass(frozen=True)
class Booking:
    """An appointment already on an ambassador's calendar, with the buffers it was booked
    with (kept on the booking, so editing a type later does not move existing blocks)."""

    ambassador_id: str
    start: datetime
    end: datetime
    buffer_before: timedelta = _ZERO
    buffer_after: timedelta = _ZERO

    def __post_init__(self) -> None:
        if utc(self.end) <= utc(self.start):
            raise ValueError(f"booking for {self.ambassador_id!r} ends before it starts")
        if self.buffer_before < _ZERO or self.buffer_after < _ZERO:
            raise ValueError(f"booking for {self.ambassador_id!r} has a negative buffer")


@total_ordering
@dataclass(frozen=True, eq=False)
class Slot:
    """A bookable start, shown in the store's zone (``isoformat()`` carries its offset),
    with the ambassadors free for it, sorted by id.

    Equality, hashing and order go by the real instants: two datetimes in one zone compare
    by wall clock and ignore ``fold``, which would merge the two 02:30s of an autumn night.
    """

    start: datetime
    end: datetime
    ambassador_ids: tuple[str, ...]

    def _key(self) -> tuple[datetime, datetime, tuple[str, ...]]:
        return self.start.astimezone(UTC), self.end.astimezone(UTC), self.ambassador_ids

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Slot):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Slot) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def available(self) -> int:
        """How many ambassadors could take it (what the booking page calls ``available``)."""
        return len(self.ambassador_ids)
