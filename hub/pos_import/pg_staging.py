"""Staging one chunk of an export in PostgreSQL: temporary tables, COPY, and the rows view.

Plain records (``plain.stager``) arrive as text and are converted by the database while
they are copied (integers, amounts and local times are typed columns); records that only
the reference checks could read arrive already typed. Both tables live for one chunk's
transaction (``ON COMMIT DROP``), so nothing is left behind on a pooled connection, and a
chunk retried after a collision starts from nothing.
"""

# SQL here is composed from this package's constants and column names; no value read
# from a file reaches it (header labels are quoted by pg_staging._literal).
# ruff: noqa: S608

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import asyncpg

from hub.pos_import.plain import STAGED
from hub.pos_import.rows import PurchaseRow, StoreInfo

_STAGED_TYPES = {
    "line": "integer", "store": "integer", "line_no": "integer", "purchased_at": "timestamp",
    "carat": "numeric", "quantity": "integer", "unit_price": "numeric",
}  # fmt: skip
CHECKED = (
    "line", "store_id", "transaction_id", "line_no", "purchased_at", "customer_no", "name",
    "email", "phone", "sku", "description", "category", "carat", "colour", "clarity", "cut",
    "metal", "quantity", "unit_price", "currency", "attributes",
)  # fmt: skip
_CHECKED_TYPES = {
    "line": "integer", "line_no": "integer", "purchased_at": "timestamptz", "carat": "numeric",
    "quantity": "integer", "unit_price": "numeric", "attributes": "jsonb",
}  # fmt: skip


@dataclass
class Chunk:
    """Consecutive records of one export, ready for the database."""

    staged: list[str]  # plain records as COPY text lines (plain.STAGED, then the extras)
    checked: list[PurchaseRow]  # records read by the reference checks

    @property
    def rows(self) -> int:
        return len(self.staged) + len(self.checked)


def _literal(text: str) -> str:
    """A SQL string literal (standard-conforming strings, set for the transaction)."""
    return "'" + text.replace("'", "''") + "'"


class Staging:
    """The staging tables of one import: their shape follows the file's extra columns."""

    def __init__(self, stores: Sequence[StoreInfo], extras: Sequence[str]) -> None:
        self.stores = stores
        self.extras = [f"x{index}" for index in range(1, len(extras) + 1)]
        columns = [f"{name} {_STAGED_TYPES.get(name, 'text')}" for name in STAGED]
        columns += [f"{name} text" for name in self.extras]
        checked = [f"{name} {_CHECKED_TYPES.get(name, 'text')}" for name in CHECKED]
        self._ddl = (
            f"CREATE TEMP TABLE pos_stage ({', '.join(columns)}) ON COMMIT DROP;"
            f" CREATE TEMP TABLE pos_checked ({', '.join(checked)}) ON COMMIT DROP"
        )
        # The staged store column is a position in the import's store list: read by
        # subscript, no join (and no statistics to guess) needed.
        self._store_ids = "ARRAY[" + ", ".join(_literal(store.id) for store in stores) + "]"
        self._zones = "ARRAY[" + ", ".join(_literal(str(store.zone)) for store in stores) + "]"
        pairs = [
            f"{_literal(label)}, s.{name}" for label, name in zip(extras, self.extras, strict=True)
        ]
        self._attributes = (
            f"nullif(jsonb_strip_nulls(jsonb_build_object({', '.join(pairs)})), '{{}}')"
            if pairs
            else "NULL::jsonb"
        )

    def rows(self, *columns: str) -> str:
        """SQL for the chunk's rows (plain and checked alike) with these CHECKED columns."""
        converted = {
            "store_id": f"({self._store_ids})[s.store + 1]",
            "purchased_at": f"s.purchased_at AT TIME ZONE ({self._zones})[s.store + 1]",
            "quantity": "coalesce(s.quantity, 1)",
            "attributes": self._attributes,
        }
        plain = ", ".join(f"{converted.get(name, f's.{name}')} AS {name}" for name in columns)
        return (
            f"SELECT {plain} FROM pos_stage s"
            f" UNION ALL SELECT {', '.join(columns)} FROM pos_checked"
        )

    async def load(self, connection: asyncpg.Connection, chunk: Chunk) -> None:
        """Create the chunk's tables and copy its rows in."""
        await connection.execute(self._ddl)
        if chunk.staged:
            await connection.copy_to_table(
                "pos_stage", source=_pieces(chunk.staged), format="text", null=""
            )
        if chunk.checked:
            await connection.copy_records_to_table(
                "pos_checked", records=[_checked(row) for row in chunk.checked], columns=CHECKED
            )


async def _pieces(lines: list[str], size: int = 2000) -> AsyncIterator[bytes]:
    """The staged lines as COPY data, a few at a time: no second copy of the chunk."""
    for start in range(0, len(lines), size):
        yield ("\n".join(lines[start : start + size]) + "\n").encode()


def _checked(row: PurchaseRow) -> tuple[object, ...]:
    attributes = None
    if row.attributes is not None:
        attributes = json.dumps(row.attributes, ensure_ascii=False, separators=(",", ":"))
    return (
        row.line, row.store_id, row.transaction_id, row.line_no, row.purchased_at,
        row.customer_no, row.name, row.email, row.phone, row.sku, row.description,
        row.category, row.carat, row.colour, row.clarity, row.cut, row.metal, row.quantity,
        row.unit_price, row.currency, attributes,
    )  # fmt: skip
