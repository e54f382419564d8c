"""Keeping derived loyalty tiers current as purchases arrive.

Only customers whose tier is derived from purchases are touched: a tier imported from
another system or set by hand wins (see ``hub.profiles.tier.effective_tier``). Lifetime
value is summed by the database, one query per batch, and judged by ``derive_tier``.

Customers already at the top tier are skipped: adding purchases can only raise lifetime
value, so their tier cannot change, and they are the frequent buyers whose long histories
would otherwise be summed again in every batch.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Customer
from hub.db.profile_models import Purchase
from hub.pos_import.bulk import among
from hub.profiles.tier import TIERS, derive_tier


async def refresh_tiers(session: AsyncSession, customer_ids: Collection[str], now: datetime) -> int:
    """Recompute the derived tier of these customers; returns how many changed."""
    if not customer_ids:
        return 0
    spent = func.sum(Purchase.quantity * Purchase.unit_price, type_=Numeric(20, 2))
    found = await session.execute(
        select(Customer.id, Customer.tier, Purchase.currency, spent)
        .join(Purchase, Purchase.customer_id == Customer.id)
        .where(
            among(Customer.id, customer_ids),
            Customer.tier_source == "derived",
            Customer.tier != TIERS[-1],
        )
        .group_by(Customer.id, Customer.tier, Purchase.currency)
    )
    current: dict[str, str] = {}
    totals: dict[str, dict[str, Decimal]] = {}
    for customer_id, tier, currency, total in found:
        current[customer_id] = tier
        totals.setdefault(customer_id, {})[currency] = Decimal(str(total))
    raised: dict[str, list[str]] = {}  # new tier -> customers
    for customer_id, value in totals.items():
        tier = derive_tier(value)
        if tier != current[customer_id]:
            raised.setdefault(tier, []).append(customer_id)
    # One statement per tier reached (there are only a few), not one per customer.
    table = Customer.__table__
    assert isinstance(table, Table)
    for tier, customers in raised.items():
        await session.execute(
            update(table).where(among(table.c.id, customers)).values(tier=tier, updated_at=now)
        )
    return sum(len(customers) for customers in raised.values())
