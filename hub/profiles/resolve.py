"""Linking an inbound message to one customer record, in the message's transaction.

Only identities the channel proved (verified) are used to find a customer: a shopper who
types someone's e-mail address into a chat gains nothing from it. Claimed identities are
recorded as unverified, for the console to show and to suggest merges.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Customer, CustomerIdentity
from hub.profiles.identity import Identity

MAX_MERGE_HOPS = 10


async def survivor(session: AsyncSession, customer: Customer) -> Customer:
    """Follow merge tombstones to the profile that absorbed this one."""
    for _ in range(MAX_MERGE_HOPS):
        if customer.merged_into_id is None:
            return customer
        found = await session.get(Customer, customer.merged_into_id)
        if found is None:
            return customer
        customer = found
    return customer


async def find_verified(session: AsyncSession, identities: Sequence[Identity]) -> Customer | None:
    for item in identities:
        if not item.verified:
            continue
        owner = await session.scalar(
            select(CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == item.kind,
                CustomerIdentity.value == item.value,
                CustomerIdentity.verified.is_(True),
            )
        )
        if owner is not None:
            customer = await session.get(Customer, owner)
            if customer is not None:
                return await survivor(session, customer)
    return None


async def verified_owners(session: AsyncSession, identities: Sequence[Identity]) -> list[Customer]:
    """Distinct live customers owning any of these verified identities, oldest first."""
    found: dict[str, Customer] = {}
    for item in identities:
        if item.verified:
            customer = await find_verified(session, [item])
            if customer is not None:
                found.setdefault(customer.id, customer)
    return sorted(found.values(), key=lambda c: (c.created_at, c.id))


async def _merge_proven(
    session: AsyncSession, owners: list[Customer], identities: Sequence[Identity], now: datetime
) -> Customer:
    """One message proved several verified identities (say a WeChat openid and unionid) that
    sit on different profiles: they are one person, so merge them into the oldest."""
    from hub.customers import merge_profiles  # the merge belongs to the profile service

    proof = ", ".join(f"{i.kind} {i.value}" for i in identities if i.verified)
    keep = owners[0]
    for other in owners[1:]:
        keep = await merge_profiles(
            session, ("system", None), keep, other, f"one message proved {proof}", now
        )
    return keep


async def attach(
    session: AsyncSession, customer: Customer, identities: Sequence[Identity], now: datetime
) -> None:
    """Add identities the customer does not have yet; a claim never upgrades itself."""
    have = {(i.kind, i.value): i for i in customer.identities}
    for item in identities:
        existing = have.get((item.kind, item.value))
        if existing is None:
            session.add(
                CustomerIdentity(
                    customer_id=customer.id,
                    kind=item.kind,
                    value=item.value,
                    verified=item.verified,
                    created_at=now,
                )
            )
        elif item.verified and not existing.verified:
            existing.verified = True


async def resolve_customer(
    session: AsyncSession,
    *,
    identities: Sequence[Identity],
    display_name: str | None,
    home_store_id: str | None,
    now: datetime,
) -> Customer:
    """The customer a verified identity points to, or a new one holding these identities.

    Two first messages racing with the same new identity: one insert loses on the unique
    index of verified identities, and the caller's transaction retry finds the winner.
    """
    owners = await verified_owners(session, identities)
    customer = owners[0] if owners else None
    if len(owners) > 1:
        customer = await _merge_proven(session, owners, identities, now)
    if customer is None:
        customer = Customer(
            name=display_name,
            tier="standard",
            tier_source="derived",
            preferences={},
            home_store_id=home_store_id,
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        await session.flush()
        await session.refresh(customer, ["identities"])
    elif display_name and not customer.name:
        customer.name = display_name
    await attach(session, customer, identities, now)
    await session.flush()
    return customer
