"""Writing many rows at once on SQLite, inside the caller's transaction.

The batch path (``batch``, ``linking``, ``attribution``, ``tier_refresh``) runs on SQLite,
the embedded default, where an import is small and one writer at a time; PostgreSQL
imports go through ``pg_chunk`` instead. Idempotence rests on ``INSERT ... ON CONFLICT
(key) DO NOTHING``: a line imported before is skipped by the database itself, even when
two imports overlap. Rows are tuples in ``columns`` order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Column, Table, select, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from hub.db.models import Base


def among(
    attribute: QueryableAttribute[Any] | Column[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``attribute IN values``."""
    return attribute.in_(list(values))


async def existing_keys(
    session: AsyncSession,
    key: Sequence[QueryableAttribute[Any]],
    values: Collection[tuple[Any, ...]],
) -> set[tuple[Any, ...]]:
    """Which of these composite keys are already in the table."""
    if not values:
        return set()
    found = await session.execute(select(*key).where(tuple_(*key).in_(list(values))))
    return {tuple(row) for row in found}


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def add_rows(
    session: AsyncSession,
    model: type[Base],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert new rows; one that collides with an existing row raises IntegrityError."""
    if rows:
        await session.execute(
            _table(model).insert(), [dict(zip(columns, row, strict=True)) for row in rows]
        )


async def insert_new(
    session: AsyncSession,
    model: type[Base],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
) -> int:
    """Insert ``rows`` except those whose ``conflict`` key is already present (or repeated
    among them); returns how many were inserted."""
    if not rows:
        return 0
    statement = sqlite_insert(_table(model)).on_conflict_do_nothing(index_elements=list(conflict))
    result = await session.execute(statement, [dict(zip(columns, r, strict=True)) for r in rows])
    return int(result.rowcount)  # type: ignore[attr-defined]
