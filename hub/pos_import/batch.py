"""Writing one batch of purchase lines, inside the caller's transaction.

Lines already imported (same store, transaction and line) are set aside first, so a file
imported twice creates no customers the second time; the insert itself still skips
conflicts, which covers two imports racing on the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.profile_models import Purchase
from hub.db.races import RETRYABLE_STATES, sqlstate
from hub.pos_import.attribution import attribute
from hub.pos_import.bulk import existing_keys, insert_new
from hub.pos_import.linking import link_customers
from hub.pos_import.rows import PurchaseRow
from hub.pos_import.tier_refresh import refresh_tiers

KEY = ("store_id", "transaction_id", "line_no")
COLUMNS = (
    "store_id", "transaction_id", "line_no", "customer_id", "customer_no", "purchased_at",
    "sku", "description", "category", "carat", "colour", "clarity", "cut", "metal",
    "quantity", "unit_price", "currency", "attributes", "staff_id", "conversation_id",
    "appointment_id", "import_id",
)  # fmt: skip


class ConcurrentImport(Exception):
    """Another import wrote some of this batch's lines meanwhile: retry the batch."""


async def begin_batch(session: AsyncSession) -> None:
    """Open a batch's transaction the way an import needs it, per database."""
    if session.get_bind().dialect.name == "sqlite":
        # Take the write lock up front: a transaction that reads first and writes later
        # cannot wait for another writer (SQLite reports "locked" at once), this one can.
        await session.execute(text("BEGIN IMMEDIATE"))
    else:
        # A batch lost in a crash is redone by importing the file again, so its commit
        # need not wait for the disk.
        await session.execute(text("SET LOCAL synchronous_commit TO off"))


def collided(exc: BaseException) -> bool:
    """Whether a batch failed only because another import wrote the same rows."""
    if isinstance(exc, IntegrityError | ConcurrentImport | asyncpg.UniqueViolationError):
        return True
    return sqlstate(exc) in RETRYABLE_STATES


@dataclass
class BatchResult:
    imported: int = 0
    duplicate: int = 0
    customers_created: int = 0
    linked: int = 0
    attributed: int = 0
    tiers_changed: int = 0

    def add(self, other: BatchResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


async def _fresh(session: AsyncSession, rows: Sequence[PurchaseRow]) -> list[PurchaseRow]:
    """The rows whose key is neither in the database nor earlier in the batch."""
    keys = {(r.store_id, r.transaction_id, r.line_no) for r in rows}
    key_columns = (Purchase.store_id, Purchase.transaction_id, Purchase.line_no)
    seen = await existing_keys(session, key_columns, keys)
    fresh = []
    for row in rows:
        key = (row.store_id, row.transaction_id, row.line_no)
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh


async def write_batch(
    session: AsyncSession,
    rows: Sequence[PurchaseRow],
    *,
    import_id: str,
    now: datetime,
    window: timedelta,
) -> BatchResult:
    fresh = await _fresh(session, rows)
    if not fresh:
        return BatchResult(duplicate=len(rows))
    links = await link_customers(session, fresh, now=now)
    credits = await attribute(
        session, [r.purchased_at for r in fresh], links.customer_ids, window, skip=links.created
    )
    values: list[tuple[Any, ...]] = [
        (
            r.store_id,
            r.transaction_id,
            r.line_no,
            customer_id,
            r.customer_no,
            r.purchased_at,
            r.sku,
            r.description,
            r.category,
            r.carat,
            r.colour,
            r.clarity,
            r.cut,
            r.metal,
            r.quantity,
            r.unit_price,
            r.currency,
            r.attributes,
            credit.staff_id if credit else None,
            credit.conversation_id if credit else None,
            credit.appointment_id if credit else None,
            import_id,
        )
        for r, customer_id, credit in zip(fresh, links.customer_ids, credits, strict=True)
    ]
    inserted = await insert_new(session, Purchase, COLUMNS, values, conflict=KEY)
    if inserted != len(fresh):
        # Counts and links below assume every fresh line went in; a retry re-reads them.
        raise ConcurrentImport(f"{len(fresh) - inserted} lines were imported meanwhile")
    customers = {customer_id for customer_id in links.customer_ids if customer_id is not None}
    return BatchResult(
        imported=inserted,
        duplicate=len(rows) - inserted,
        customers_created=len(links.created),
        linked=sum(1 for customer_id in links.customer_ids if customer_id is not None),
        attributed=sum(1 for credit in credits if credit is not None),
        tiers_changed=await refresh_tiers(session, customers, now),
    )
