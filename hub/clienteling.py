"""My clients: the customers whose preferred ambassador is the caller (or, for a manager,
one of their staff), with what a clienteling screen shows beside each name: the next
birthday or anniversary, open follow-up tasks, the last contact and what they bought.

Every query is bounded by the caller's stores, by the same rule as ``visible_customer``
(home store, a conversation or a purchase there), and skips erased and merged-away
profiles. Date arithmetic is ``hub.client_dates`` (pure), on the client's home store's
clock, else the caller's first store's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import client_dates, staff_access
from hub.clock import local_today
from hub.customers import visible_clause
from hub.db.clienteling_models import FollowUpTask
from hub.db.models import Conversation, Customer, CustomerIdentity, StaffStore, Store
from hub.db.profile_models import Purchase
from hub.errors import InvalidInput, NotFound
from hub.messages import customer_display_name, iso
from hub.staff import Principal

MAX_CLIENTS = 500
SEARCHED_KINDS = ("email", "phone", "pos_customer_no")


async def ambassador_of_list(
    session: AsyncSession, principal: Principal, ambassador_id: str | None
) -> str:
    """Whose clients to list: the caller's own, or a manager's colleague in their stores
    (anyone else's, or any for an ambassador, is not found)."""
    if not ambassador_id or ambassador_id == principal.id:
        return principal.id
    if not principal.is_manager or len(ambassador_id) > 64:
        raise NotFound("staff member not found", code="unknown_staff")
    stores = (
        await session.scalars(
            select(StaffStore.store_id).where(StaffStore.staff_id == ambassador_id)
        )
    ).all()
    if not stores:
        raise NotFound("staff member not found", code="unknown_staff")
    staff_access.require_visible(principal, stores)
    return ambassador_id


async def store_zones(session: AsyncSession, principal: Principal) -> dict[str, str]:
    """The caller's stores' time zones by id."""
    rows = await session.execute(
        select(Store.id, Store.timezone).where(Store.id.in_(list(principal.store_ids)))
    )
    return {store_id: zone for store_id, zone in rows}


def default_zone(principal: Principal, zones: dict[str, str], codes: dict[str, str]) -> str:
    """The caller's first store's clock (by code), for clients with no home store."""
    for store_id in sorted(zones, key=lambda i: codes.get(i, i)):
        return zones[store_id]
    return "UTC"


@dataclass(frozen=True)
class ClientQuery:
    ambassador_id: str
    q: str | None = None
    store_code: str | None = None


def _clients_query(principal: Principal, query: ClientQuery) -> Select[Any]:
    statement = select(Customer).where(
        Customer.preferred_staff_id == query.ambassador_id,
        Customer.merged_into_id.is_(None),
        Customer.erased_at.is_(None),
        visible_clause(principal),
    )
    if query.store_code:
        statement = statement.where(
            Customer.home_store_id.in_(select(Store.id).where(Store.code == query.store_code))
        )
    if query.q and query.q.strip():
        needle = f"%{query.q.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(Customer.name).like(needle),
                exists().where(
                    CustomerIdentity.customer_id == Customer.id,
                    CustomerIdentity.kind.in_(SEARCHED_KINDS),
                    func.lower(CustomerIdentity.value).like(needle),
                ),
            )
        )
    return statement.order_by(Customer.name, Customer.id).limit(MAX_CLIENTS)


async def clients(
    session: AsyncSession, principal: Principal, query: ClientQuery, now: datetime
) -> list[dict[str, Any]]:
    if query.store_code and query.store_code not in principal.store_codes:
        raise InvalidInput("store", "store must be one of your stores")
    found = (await session.scalars(_clients_query(principal, query))).all()
    ids = [c.id for c in found]
    zones = await store_zones(session, principal)
    codes = await _codes(session)
    fallback = default_zone(principal, zones, codes)
    last = await _last_contacts(session, principal, ids)
    tasks = await _open_tasks(session, principal, ids)
    values = await _lifetime_values(session, ids)
    rows = []
    for customer in found:
        today = local_today(now, _zone_of(customer, zones, fallback))
        upcoming = client_dates.next_date(_dates_of(customer), today)
        rows.append(
            {
                "id": customer.id,
                "name": customer_display_name(customer),
                "tier": customer.tier,
                "home_store": codes.get(customer.home_store_id or ""),
                "last_contact_at": iso(last.get(customer.id)),
                "next_date": None
                if upcoming is None
                else {
                    "kind": upcoming.kind,
                    "date": upcoming.on.isoformat(),
                    "in_days": upcoming.in_days,
                },
                "open_tasks": tasks.get(customer.id, 0),
                "lifetime_value": values.get(customer.id, {}),
            }
        )
    return rows


async def upcoming_dates(
    session: AsyncSession, principal: Principal, ambassador_id: str, days: int, now: datetime
) -> list[dict[str, Any]]:
    """My clients' birthdays and anniversaries within ``days`` days, soonest first."""
    found = (
        await session.scalars(_clients_query(principal, ClientQuery(ambassador_id=ambassador_id)))
    ).all()
    zones = await store_zones(session, principal)
    codes = await _codes(session)
    fallback = default_zone(principal, zones, codes)
    entries: list[tuple[int, str, dict[str, Any]]] = []
    for customer in found:
        today = local_today(now, _zone_of(customer, zones, fallback))
        for event in client_dates.upcoming(_dates_of(customer), today, days):
            name = customer_display_name(customer)
            entries.append(
                (
                    event.in_days,
                    name.casefold(),
                    {
                        "customer_id": customer.id,
                        "name": name,
                        "kind": event.kind,
                        "date": event.on.isoformat(),
                        "in_days": event.in_days,
                        "years": event.years,
                        "label": event.label,
                    },
                )
            )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [entry for _, _, entry in entries]


def _dates_of(customer: Customer) -> list[dict[str, Any]]:
    dates = (customer.preferences or {}).get("important_dates")
    return [d for d in dates if isinstance(d, dict)] if isinstance(dates, list) else []


def _zone_of(customer: Customer, zones: dict[str, str], fallback: str) -> str:
    if customer.home_store is not None:
        return customer.home_store.timezone
    return fallback


async def _codes(session: AsyncSession) -> dict[str, str]:
    return {i: c for i, c in await session.execute(select(Store.id, Store.code))}


async def _last_contacts(
    session: AsyncSession, principal: Principal, ids: Sequence[str]
) -> dict[str, datetime]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Conversation.customer_id, func.max(Conversation.updated_at))
        .where(
            Conversation.customer_id.in_(ids),
            Conversation.store_id.in_(list(principal.store_ids)),
        )
        .group_by(Conversation.customer_id)
    )
    return {customer_id: at for customer_id, at in rows if at is not None}


async def _open_tasks(
    session: AsyncSession, principal: Principal, ids: Sequence[str]
) -> dict[str, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(FollowUpTask.customer_id, func.count())
        .where(
            FollowUpTask.customer_id.in_(ids),
            FollowUpTask.done_at.is_(None),
            FollowUpTask.store_id.in_(list(principal.store_ids)),
        )
        .group_by(FollowUpTask.customer_id)
    )
    return {customer_id: int(count) for customer_id, count in rows}


async def _lifetime_values(session: AsyncSession, ids: Sequence[str]) -> dict[str, dict[str, str]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(
            Purchase.customer_id,
            Purchase.currency,
            func.sum(Purchase.quantity * Purchase.unit_price),
        )
        .where(Purchase.customer_id.in_(ids))
        .group_by(Purchase.customer_id, Purchase.currency)
    )
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for customer_id, currency, total in rows:
        if customer_id and currency and total is not None:
            values[customer_id][currency] = format(Decimal(total).quantize(Decimal("0.01")), "f")
    return values
