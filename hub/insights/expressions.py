"""SQL pieces that read the same on SQLite and PostgreSQL: durations, local days,
nearest-rank percentiles and amounts in cents.

SQLite has no interval type, no time zones and no ``percentile_cont``; rather than two
definitions per figure, each piece here is written once in SQL both databases run (window
functions, integer arithmetic) or compiled per dialect to the same value.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sqlalchemy import BigInteger, Float, case, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from hub.insights.definitions import MEDIAN, P90
from hub.insights.periods import SECONDS_PER_DAY, Segment


class seconds_between(FunctionElement[float]):
    """``b - a`` in seconds (a float, millisecond precision at least)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({b} - {a})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(clause, **kw) for clause in element.clauses)
    # julianday is a double of days: good to about 50 microseconds, rounded to the ms.
    return f"round((julianday({b}) - julianday({a})) * 86400.0, 3)"


class epoch_floor(FunctionElement[int]):
    """Whole seconds since 1970, rounded down (PostgreSQL's cast would round to nearest,
    moving 23:59:59.6 into the next day)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_floor"


@compiles(epoch_floor, "postgresql")
def _epoch_pg(element: epoch_floor, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch_floor, "sqlite")
def _epoch_sqlite(element: epoch_floor, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def local_day(column: Any, segments: tuple[Segment, ...]) -> ColumnElement[int]:
    """The local day number (days since 1970-01-01) of a UTC column: the epoch plus the
    zone's offset of its segment, divided by a day (``periods.day_number`` in SQL)."""
    epoch = epoch_floor(column)
    if len(segments) == 1:
        local = epoch + segments[0].offset
    else:
        later = [(epoch < nxt.since, cur.offset) for cur, nxt in pairwise(segments)]
        local = epoch + case(*later, else_=segments[-1].offset)
    return cast(local, BigInteger) // SECONDS_PER_DAY


def _rank(count: Any, fraction: tuple[int, int]) -> Any:
    """``definitions.nearest_rank`` in SQL integers."""
    numerator, denominator = fraction
    return (count * numerator + (denominator - 1)) // denominator


def ranked(value: Any, key: Any, name: str) -> list[Any]:
    """Window columns for the nearest-rank percentiles of a nullable ``value``: its place
    among its key's values and among all values, and how many values there are.

    Nulls are placed after every value (``value IS NULL`` sorts first), so places 1..n
    are the values in ascending order on both databases, whose default null orders
    differ. ``picked`` reads the median and p90 back.
    """
    order = (value.is_(None), value)
    return [
        func.row_number().over(partition_by=key, order_by=order).label(f"{name}_place"),
        func.count(value).over(partition_by=key).label(f"{name}_n"),
        func.row_number().over(order_by=order).label(f"{name}_place_all"),
        func.count(value).over().label(f"{name}_n_all"),
    ]


def picked(columns: Any, name: str) -> list[Any]:
    """Aggregates over rows carrying ``ranked`` columns: (count, median, p90) of their key,
    then of everything. Grouped finer than the key (by day too), each median lands in
    one group's row and is null in the others; counts repeat in every row."""
    value = columns[name]

    def at(place: Any, count: Any, fraction: tuple[int, int]) -> Any:
        return func.max(case((place == _rank(count, fraction), value)))

    found = []
    for suffix in ("", "_all"):
        place, count = columns[f"{name}_place{suffix}"], columns[f"{name}_n{suffix}"]
        found += [func.max(count), at(place, count, MEDIAN), at(place, count, P90)]
    return found


def cents(unit_price: Any, quantity: Any) -> ColumnElement[int]:
    """A line's amount in whole cents: exact sums on SQLite, whose numbers are floats."""
    return cast(func.round(unit_price * 100), BigInteger) * quantity
