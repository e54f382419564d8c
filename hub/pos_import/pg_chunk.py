"""Writing one chunk of an export on PostgreSQL: a few set-based statements, one transaction.

The chunk is staged (``pg_staging``), its customers linked (``pg_linking``), its lines
credited to the online contact that led to them and inserted, and its customers noted for
the tier refresh at the end of the import (``pg_tiers``). Python touches no line here:
everything is joins over the chunk.

Duplicates are found by the primary key itself. The insert runs first without looking for
lines imported before, inside a savepoint; when the key refuses a line (the file, or part
of it, was imported already, or a line repeats), the chunk is redone from the savepoint
with the old lines set aside before linking, so a re-import creates no customers and
counts its duplicates. A line another import wrote meanwhile fails that careful pass too:
the caller retries the chunk, as for any collision.
"""

# SQL here is composed from this package's constants and column names; no value read
# from a file reaches it (header labels are quoted by pg_staging._literal).
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.pos_import.attribution import CONTACT_APPOINTMENTS
from hub.pos_import.batch import BatchResult
from hub.pos_import.pg_linking import CUSTOMER, CUSTOMER_JOINS, Rows, count, link_chunk
from hub.pos_import.pg_staging import CHECKED, Chunk, Staging
from hub.pos_import.pg_tiers import NOTE_CHUNK, NOTE_DUPLICATES, refresh_tiers

_INSERTED = (
    "store_id", "transaction_id", "line_no", "customer_id", "customer_no", "purchased_at",
    "sku", "description", "category", "carat", "colour", "clarity", "cut", "metal",
    "quantity", "unit_price", "currency", "attributes", "staff_id", "conversation_id",
    "appointment_id", "import_id",
)  # fmt: skip
_COPIED = [name for name in _INSERTED if name in CHECKED]

# The chunk's known customers' contacts (attribution.py): conversations an ambassador took,
# at their creation, and appointments kept with an ambassador, at their start. Usually few,
# often none; then the insert skips the lookup. The tiebreak orders contacts of the same
# instant as attribution.Contact.order does.
_CONTACTS = f"""
    CREATE TEMP TABLE pos_contact ON COMMIT DROP AS
    WITH chunk_customer AS MATERIALIZED (
        SELECT owner FROM pos_number WHERE owner <> ''
        UNION SELECT owner FROM pos_owner WHERE owner <> '')
    SELECT c.customer_id, c.created_at AS at, c.id AS conversation_id,
           NULL::varchar AS appointment_id, c.assigned_staff_id AS staff_id, c.id AS tiebreak
    FROM conversations c
    WHERE c.assigned_staff_id IS NOT NULL
      AND c.customer_id IN (SELECT owner FROM chunk_customer)
    UNION ALL
    SELECT a.customer_id, a.starts_at, a.conversation_id, a.id, a.ambassador_id, a.id
    FROM appointments a
    WHERE a.status IN ({", ".join(f"'{status}'" for status in CONTACT_APPOINTMENTS)})
      AND a.customer_id IN (SELECT owner FROM chunk_customer)"""
_CONTACT_INDEX = "CREATE INDEX ON pos_contact (customer_id, at)"
# The latest contact at or before the sale and within the window (attribution.credited).
_CREDIT = """
    LEFT JOIN LATERAL (
        SELECT c.conversation_id, c.appointment_id, c.staff_id FROM pos_contact c
        WHERE c.customer_id = r.customer_id AND c.at <= r.purchased_at
          AND c.at >= r.purchased_at - $2::interval
        ORDER BY c.at DESC, c.tiebreak DESC LIMIT 1
    ) credit ON true"""

_FRESH = """
    CREATE TEMP TABLE pos_fresh ON COMMIT DROP AS
    SELECT DISTINCT ON (r.store_id, r.transaction_id, r.line_no) r.*
    FROM ({rows}) r
    WHERE NOT EXISTS (
        SELECT FROM purchases p WHERE p.store_id = r.store_id
        AND p.transaction_id = r.transaction_id AND p.line_no = r.line_no)
    ORDER BY r.store_id, r.transaction_id, r.line_no, r.line"""


def _insert(rows: Rows, credit: bool) -> str:
    """Insert the chunk's lines with their customer (and credit); counts what went in."""
    source = rows(*_COPIED, "email", "phone")
    credited = ("staff_id", "conversation_id", "appointment_id")
    values = [
        "r.customer_id" if name == "customer_id" else
        (f"credit.{name}" if credit else "NULL") if name in credited else
        "$1" if name == "import_id" else f"r.{name}"
        for name in _INSERTED
    ]  # fmt: skip
    return f"""
        WITH written AS (
            INSERT INTO purchases ({", ".join(_INSERTED)})
            SELECT {", ".join(values)}
            FROM (SELECT r.*, {CUSTOMER} AS customer_id FROM ({source}) r {CUSTOMER_JOINS}) r
            {_CREDIT if credit else ""}
            RETURNING customer_id, staff_id
        )
        SELECT count(*) AS imported, count(customer_id) AS linked,
               count(staff_id) AS attributed
        FROM written"""


@dataclass(frozen=True)
class ChunkContext:
    import_id: str
    now: datetime
    window: timedelta
    dry_run: bool  # refresh tiers in the chunk's transaction (pg_tiers)


async def _link_and_insert(
    connection: asyncpg.Connection, rows: Rows, context: ChunkContext
) -> BatchResult:
    created = await link_chunk(connection, rows, context.now)
    credit = count(await connection.execute(_CONTACTS)) > 0
    arguments: list[object] = [context.import_id]
    if credit:
        await connection.execute(_CONTACT_INDEX)
        arguments.append(context.window)
    counts = await connection.fetchrow(_insert(rows, credit), *arguments)
    assert counts is not None
    await connection.execute(NOTE_CHUNK)
    tiers = await refresh_tiers(connection, context.now) if context.dry_run else 0
    return BatchResult(
        imported=counts["imported"],
        customers_created=created,
        linked=counts["linked"],
        attributed=counts["attributed"],
        tiers_changed=tiers,
    )


def _fresh_rows(*columns: str) -> str:
    return f"SELECT {', '.join(columns)} FROM pos_fresh"


async def driver(connection: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a SQLAlchemy one, so COPY and the statements here run
    in the same transaction as the session's."""
    raw = await connection.get_raw_connection()
    driver_connection: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    return driver_connection


async def write_chunk(
    connection: asyncpg.Connection, staging: Staging, chunk: Chunk, context: ChunkContext
) -> BatchResult:
    """Write one chunk inside the caller's transaction; returns its counts.

    Raises asyncpg's UniqueViolationError when another import wrote some of these lines
    or customers meanwhile: the caller retries the whole chunk.
    """
    await connection.execute(
        "SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
        " SET LOCAL standard_conforming_strings = on"
    )
    await staging.load(connection, chunk)
    try:
        async with connection.transaction():  # a savepoint
            return await _link_and_insert(connection, staging.rows, context)
    except asyncpg.UniqueViolationError:
        pass  # a line already imported, or repeated: redo the chunk with them set aside
    every = staging.rows(*CHECKED)
    fresh = count(await connection.execute(_FRESH.format(rows=every)))
    await connection.execute(NOTE_DUPLICATES.format(rows=every))
    result = BatchResult()
    if fresh:
        result = await _link_and_insert(connection, _fresh_rows, context)
    result.duplicate = chunk.rows - fresh
    return result
