"""Writing many rows at once, inside the caller's transaction.

Idempotence rests on ``INSERT ... ON CONFLICT (key) DO NOTHING``: a line imported before is
skipped by the database itself, even when two imports overlap. On PostgreSQL the rows go in
with COPY (the driver's binary protocol, encoded in C) into a temporary staging table, then
one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: per row, Python does a fraction of the
work that bound parameters cost, which is what lets an import keep up with the database.
SQLite takes an ordinary multi-row insert. Rows are tuples in ``columns`` order.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import asyncpg
from sqlalchemy import (
    JSON,
    Column,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    column,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy import table as table_clause
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from hub.db.models import Base, new_id


def among(
    dialect: str, attribute: QueryableAttribute[Any] | Column[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``attribute IN values``; on PostgreSQL ``= ANY(array)``, one statement the driver
    prepares once, where an IN list would be a new statement for every length."""
    if dialect == "postgresql":
        return attribute == any_(bindparam(None, list(values), type_=_array_type(attribute)))
    return attribute.in_(list(values))


def _array_type(attribute: QueryableAttribute[Any] | Column[Any]) -> Any:
    kind = attribute.type
    return ARRAY(type(kind)() if isinstance(kind, String) else kind)


async def existing_keys(
    session: AsyncSession,
    key: Sequence[QueryableAttribute[Any]],
    values: Collection[tuple[Any, ...]],
) -> set[tuple[Any, ...]]:
    """Which of these composite keys are already in the table, probing each exactly.

    (Filtering each column by ``= ANY`` instead makes PostgreSQL probe every combination of
    the arrays' elements, which degrades as the table grows.)
    """
    if not values:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        names = [attribute.key for attribute in key]
        arrays = [
            bindparam(None, list(column_values), type_=_array_type(attribute))
            for attribute, column_values in zip(key, zip(*values, strict=True), strict=True)
        ]
        wanted = func.unnest(*arrays).table_valued(*names).render_derived(name="wanted")
        condition = and_(*(a == wanted.c[n] for a, n in zip(key, names, strict=True)))
        found = await session.execute(select(*key).join(wanted, condition))
    else:
        found = await session.execute(select(*key).where(tuple_(*key).in_(list(values))))
    return {tuple(row) for row in found}


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _json_columns(table: Table, columns: Sequence[str]) -> list[int]:
    return [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]


def _as_json_text(rows: Sequence[Sequence[Any]], positions: list[int]) -> Sequence[Sequence[Any]]:
    """The binary COPY protocol takes JSON as text; rows without JSON values stay as they are."""
    if not positions:
        return rows
    converted: list[Sequence[Any]] = list(rows)
    for index, row in enumerate(rows):
        if any(row[i] is not None for i in positions):
            values = list(row)
            for i in positions:
                if values[i] is not None:
                    values[i] = json.dumps(values[i], ensure_ascii=False, separators=(",", ":"))
            converted[index] = values
    return converted


async def _copy(
    session: AsyncSession, target: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    connection = await session.connection()
    # SQLAlchemy's asyncpg adapter opens its transaction at the first statement: make sure
    # it is open, so the COPY belongs to it (and rolls back with it).
    await connection.execute(text("SELECT 1"))
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    try:
        await driver.copy_records_to_table(target, records=rows, columns=list(columns))
    except (asyncpg.IntegrityConstraintViolationError, asyncpg.DeadlockDetectedError) as exc:
        # As SQLAlchemy reports errors of the statements it runs, so callers see one kind.
        raise IntegrityError(f"COPY {target}", None, exc) from exc


async def add_rows(
    session: AsyncSession,
    model: type[Base],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert new rows; one that collides with an existing row raises IntegrityError."""
    if not rows:
        return
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        await _copy(
            session, table.name, columns, _as_json_text(rows, _json_columns(table, columns))
        )
        return
    await session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


async def insert_new(
    session: AsyncSession,
    model: type[Base],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
) -> int:
    """Insert ``rows`` except those whose ``conflict`` key is already present (or repeated
    among them); returns how many were inserted. A missing string ``id`` is generated."""
    if not rows:
        return 0
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        return await _insert_new_pg(session, table, columns, rows, conflict)
    names = list(columns) if "id" in columns else ["id", *columns]
    records = [
        dict(zip(names, row if "id" in columns else (new_id(), *row), strict=True)) for row in rows
    ]
    statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    result = await session.execute(statement, records)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _insert_new_pg(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str],
) -> int:
    staging = f"staging_{table.name}"
    # Per connection, emptied at each commit; ids and constraints stay on the real table.
    shape = select(*(table.c[name] for name in columns)).compile(dialect=session.get_bind().dialect)
    await session.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS"
            f" AS {shape} WITH NO DATA"
        )
    )
    await _copy(session, staging, columns, _as_json_text(rows, _json_columns(table, columns)))
    source = table_clause(staging, *(column(name) for name in columns))
    values: list[Any] = [source.c[name] for name in columns]
    target = list(columns)
    if "id" not in columns:
        # Ids made by the database: a uuid4 string per row costs Python ~2 us.
        values.insert(0, cast(func.gen_random_uuid(), String))
        target.insert(0, "id")
    statement = (
        pg_insert(table)
        .from_select(target, select(*values))
        .on_conflict_do_nothing(index_elements=list(conflict))
    )
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]
