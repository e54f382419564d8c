"""Half-open ``[start, end)`` intervals of real time, and sets of them answered by bisect.

Everything here works on instants normalised to UTC. Python compares two aware datetimes
that share one ``tzinfo`` by their wall clocks and ignores ``fold``, so 02:30 CEST and
02:30 CET on an autumn night would compare equal in the store's zone; in UTC they never do.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

Interval = tuple[datetime, datetime]


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused rather than guessed at."""
    if moment.tzinfo is UTC:  # most callers pass UTC already: skip the conversion
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; availability needs aware datetimes")
    return moment.astimezone(UTC)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether ``[a_start, a_end)`` and ``[b_start, b_end)`` share an instant.

    Intervals that only touch (one ends when the other starts) do not overlap, so
    back-to-back appointments are allowed.
    """
    return utc(a_start) < utc(b_end) and utc(b_start) < utc(a_end)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same instants; touching ones are joined so
    that a slot spanning ``10:00-12:00`` and ``12:00-13:00`` counts as inside."""
    merged: list[Interval] = []
    for start, end in sorted((utc(s), utc(e)) for s, e in intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class IntervalSet:
    """A union of intervals as two sorted tuples, so each question is one bisect.

    Because the intervals are disjoint and sorted, both ``starts`` and ``ends`` are sorted,
    which is what makes a bisect on either of them correct.
    """

    starts: tuple[datetime, ...] = ()
    ends: tuple[datetime, ...] = ()

    @classmethod
    def of(cls, intervals: Iterable[Interval]) -> IntervalSet:
        merged = merge(intervals)
        return cls(tuple(s for s, _ in merged), tuple(e for _, e in merged))

    def __bool__(self) -> bool:
        return bool(self.starts)

    def intervals(self) -> list[Interval]:
        return list(zip(self.starts, self.ends, strict=True))

    def contains(self, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` lies inside one interval (UTC instants expected)."""
        index = bisect_right(self.starts, start) - 1
        return index >= 0 and end <= self.ends[index]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` shares an instant with any interval (UTC expected)."""
        index = bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end

    def intersect(self, other: IntervalSet) -> IntervalSet:
        """The instants in both sets, by a linear merge of the two sorted lists."""
        result: list[Interval] = []
        mine, theirs = self.intervals(), other.intervals()
        i = j = 0
        while i < len(mine) and j < len(theirs):
            start = max(mine[i][0], theirs[j][0])
            end = min(mine[i][1], theirs[j][1])
            if start < end:
                result.append((start, end))
            if mine[i][1] <= theirs[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet.of(result)
