"""Linking an inbound message to one customer record through the identity it came with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Customer, CustomerIdentity


async def resolve_customer(
    session: AsyncSession,
    *,
    kind: str,
    value: str,
    display_name: str | None,
    home_store_id: str | None,
    now: datetime,
) -> Customer:
    """The customer who owns this identity, or a new one with it.

    A concurrent first contact with the same identity loses on the unique (kind, value)
    constraint; the caller's transaction retry then finds the winner's record.
    """
    identity = await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    )
    if identity is not None:
        customer = await session.get(Customer, identity.customer_id)
        assert customer is not None
        return customer
    customer = Customer(
        name=display_name, tier="standard", home_store_id=home_store_id, created_at=now
    )
    session.add(customer)
    await session.flush()
    session.add(
        CustomerIdentity(
            customer_id=customer.id, kind=kind, value=value, verified=False, created_at=now
        )
    )
    await session.flush()
    return customer
