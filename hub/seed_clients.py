"""Demo clienteling for ``hub seed-demo``: Amélie's own clients, two with a birthday or an
anniversary in the coming days, their e-mail verified and consent to service messages by
e-mail, and one follow-up task. Idempotent: a client already there (by e-mail) is left as
it is, and so are its tasks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.clock import local_today
from hub.db.clienteling_models import FollowUpTask
from hub.db.models import Customer, CustomerIdentity, Staff, Store
from hub.db.profile_models import ConsentEvent

AMBASSADOR = "amelie@demo.concierge"
STORE = "PARIS01"
# (name, e-mail, tier, date kind, in how many days, year, marketing consent too)
DEMO_CLIENTS = (
    ("Camille Roche", "camille.roche@example.com", "vip", "birthday", 4, 1986, True),
    ("Hélène Garnier", "helene.garnier@example.com", "vvip", "anniversary", 12, 2011, False),
    ("Inès Moreau", "ines.moreau@example.com", "standard", "birthday", 75, 1993, False),
)
TASK_TITLE = "Call when the resize is ready"


def _yearly(today: date, in_days: int, year: int) -> str:
    """A recorded date that comes round ``in_days`` from ``today`` (28 Feb for 29 Feb)."""
    day = today + timedelta(days=in_days)
    if (day.month, day.day) == (2, 29):
        day -= timedelta(days=1)
    return f"{year:04d}-{day.month:02d}-{day.day:02d}"


async def seed_clients(session: AsyncSession, now: datetime) -> int:
    """Amélie's demo clients; the number created this time."""
    staff = await session.scalar(select(Staff).where(Staff.email == AMBASSADOR))
    store = await session.scalar(select(Store).where(Store.code == STORE))
    if staff is None or store is None:
        return 0
    today = local_today(now, store.timezone)
    created = 0
    for name, email, tier, kind, in_days, year, marketing in DEMO_CLIENTS:
        known = await session.scalar(
            select(CustomerIdentity.id).where(
                CustomerIdentity.kind == "email", CustomerIdentity.value == email
            )
        )
        if known is not None:
            continue
        customer = Customer(
            name=name,
            tier=tier,
            tier_source="manual",
            home_store_id=store.id,
            preferred_staff_id=staff.id,
            preferences={
                "language": "fr",
                "important_dates": [{"kind": kind, "date": _yearly(today, in_days, year)}],
            },
            created_at=now,
        )
        customer.identities = [
            CustomerIdentity(kind="email", value=email, verified=True, created_at=now)
        ]
        session.add(customer)
        await session.flush()
        for purpose in ("service", "marketing") if marketing else ("service",):
            session.add(
                ConsentEvent(
                    customer_id=customer.id,
                    channel="email",
                    purpose=purpose,
                    granted=True,
                    source="console",
                    policy_version="demo",
                    actor_kind="staff",
                    actor_id=staff.id,
                    at=now,
                )
            )
        if created == 0:
            session.add(
                FollowUpTask(
                    customer_id=customer.id,
                    store_id=store.id,
                    assignee_staff_id=staff.id,
                    created_by=staff.id,
                    title=TASK_TITLE,
                    note="Size 52, white gold.",
                    due_on=today + timedelta(days=2),
                    created_at=now,
                    updated_at=now,
                )
            )
        created += 1
    return created
