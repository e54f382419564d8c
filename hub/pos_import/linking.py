"""Which customer each purchase line belongs to, found or created a batch at a time.

The rules, in order (only *verified* identities ever link, as in ``hub.profiles.resolve``):

1. the POS customer number: the store's till issued it, so it is a verified identity;
2. a verified e-mail or phone, which is how an online shopper (a chat, an appointment) is
   recognised in the shop; their profile then also gains the POS number;
3. a POS number nobody has yet: a new customer with that number, the name on the receipt,
   and the receipt's e-mail and phone as *unverified* claims (a till does not check them;
   a claim that matches another profile is how the console suggests a merge);
4. otherwise no customer: an anonymous sale.

A profile merged into another resolves to the survivor; an erased one is never linked
again, nor re-created from the till's data. Lookups take one query per batch, never one
per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Customer, CustomerIdentity, new_id
from hub.pos_import.bulk import add_rows, among
from hub.pos_import.rows import PurchaseRow
from hub.profiles.identity import EMAIL, PHONE, POS_CUSTOMER_NO
from hub.profiles.resolve import MAX_MERGE_HOPS

_IDENTITY_COLUMNS = ("id", "customer_id", "kind", "value", "verified", "created_at")
_CUSTOMER_COLUMNS = (
    "id", "name", "tier", "tier_source", "home_store_id", "preferences", "created_at",
    "updated_at",
)  # fmt: skip
ERASED = ""  # owner of an identity whose customer was erased: never linked


@dataclass
class Links:
    customer_ids: list[str | None]  # per row
    created: set[str] = field(default_factory=set)


async def _owners(session: AsyncSession, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """The live customer holding each verified identity (ERASED when erased)."""
    clauses = [
        and_(CustomerIdentity.kind == kind, among(CustomerIdentity.value, values))
        for kind, values in wanted.items()
        if values
    ]
    if not clauses:
        return {}
    found = (
        await session.execute(
            select(
                CustomerIdentity.kind,
                CustomerIdentity.value,
                Customer.id,
                Customer.merged_into_id,
                Customer.erased_at,
            )
            .join(Customer, Customer.id == CustomerIdentity.customer_id)
            .where(CustomerIdentity.verified.is_(True), or_(*clauses))
        )
    ).all()
    survivors = await _survivors(session, {r.merged_into_id for r in found if r.merged_into_id})
    owners: dict[tuple[str, str], str] = {}
    for kind, value, customer_id, merged_into, erased_at in found:
        owner = customer_id
        if merged_into is not None:
            owner = survivors.get(merged_into) or ERASED
        elif erased_at is not None:
            owner = ERASED
        owners[(kind, value)] = owner
    return owners


async def _survivors(session: AsyncSession, ids: set[str]) -> dict[str, str | None]:
    """Follow merge tombstones to the live profile (None when it was erased)."""
    final: dict[str, str | None] = {}
    pending = {i: i for i in ids}  # current hop -> where it started
    for _ in range(MAX_MERGE_HOPS):
        if not pending:
            break
        rows = await session.execute(
            select(Customer.id, Customer.merged_into_id, Customer.erased_at).where(
                among(Customer.id, pending)
            )
        )
        following: dict[str, str] = {}
        for customer_id, merged_into, erased_at in rows:
            origin = pending[customer_id]
            if merged_into is not None:
                following[merged_into] = origin
            else:
                final[origin] = None if erased_at is not None else customer_id
        pending = following
    return final


class _Plan:
    """New customers and identities decided for one batch; the first row wins."""

    def __init__(self, owners: dict[tuple[str, str], str], now: datetime) -> None:
        self.owners = owners  # verified identities, including those planned here
        self.now = now
        self.customers: list[tuple[object, ...]] = []
        self.identities: list[tuple[object, ...]] = []

    def add(self, customer_id: str, kind: str, value: str | None, *, verified: bool) -> None:
        if value is None:
            return
        if verified:
            self.owners[(kind, value)] = customer_id
        self.identities.append((new_id(), customer_id, kind, value, verified, self.now))

    def create(self, row: PurchaseRow, number: str) -> str:
        customer_id = new_id()
        self.customers.append(
            (customer_id, row.name, "standard", "derived", row.store_id, {}, self.now, self.now)
        )
        self.add(customer_id, POS_CUSTOMER_NO, number, verified=True)
        self.add(customer_id, EMAIL, row.email, verified=False)
        self.add(customer_id, PHONE, row.phone, verified=False)
        return customer_id


def _link(plan: _Plan, row: PurchaseRow) -> str | None:
    number = row.customer_no
    if number is not None and (POS_CUSTOMER_NO, number) in plan.owners:
        return plan.owners[(POS_CUSTOMER_NO, number)] or None
    for kind, value in ((EMAIL, row.email), (PHONE, row.phone)):
        owner = plan.owners.get((kind, value or ""))
        if owner:
            plan.add(owner, POS_CUSTOMER_NO, number, verified=True)
            return owner
    if number is not None:
        return plan.create(row, number)
    return None


async def _prove_claims(
    session: AsyncSession, identities: list[tuple[object, ...]], created: set[str]
) -> list[tuple[object, ...]]:
    """A number an existing customer only claimed (typed in a chat) is now proven by the
    till: mark that row verified rather than add a second one; returns the rows to add."""
    adopted = {
        (str(customer_id), str(kind), str(value))
        for _, customer_id, kind, value, verified, _ in identities
        if verified and customer_id not in created
    }
    if not adopted:
        return identities
    claimed = {
        (customer_id, kind, value): identity_id
        for identity_id, customer_id, kind, value in await session.execute(
            select(
                CustomerIdentity.id,
                CustomerIdentity.customer_id,
                CustomerIdentity.kind,
                CustomerIdentity.value,
            ).where(
                CustomerIdentity.customer_id.in_({c for c, _, _ in adopted}),
                CustomerIdentity.value.in_({v for _, _, v in adopted}),
            )
        )
        if (customer_id, kind, value) in adopted
    }
    if claimed:
        await session.execute(
            update(CustomerIdentity)
            .where(CustomerIdentity.id.in_(list(claimed.values())))
            .values(verified=True)
        )
    return [row for row in identities if (str(row[1]), str(row[2]), str(row[3])) not in claimed]


async def link_customers(
    session: AsyncSession, rows: Sequence[PurchaseRow], *, now: datetime
) -> Links:
    """The customer of each row, creating customers and identities the rules call for."""
    wanted = {
        POS_CUSTOMER_NO: {r.customer_no for r in rows if r.customer_no},
        EMAIL: {r.email for r in rows if r.email},
        PHONE: {r.phone for r in rows if r.phone},
    }
    plan = _Plan(await _owners(session, wanted), now)
    links = Links([_link(plan, row) for row in rows])
    # A verified identity another import created meanwhile fails the batch (IntegrityError);
    # the importer retries it, and the retry finds that import's customer.
    await add_rows(session, Customer, _CUSTOMER_COLUMNS, plan.customers)
    created = {str(c[0]) for c in plan.customers}
    await add_rows(
        session,
        CustomerIdentity,
        _IDENTITY_COLUMNS,
        await _prove_claims(session, plan.identities, created),
    )
    links.created = created
    return links
