"""Demo data for a first run: three boutiques and their ambassadors. Idempotent: what
exists is left as it is, so running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from hub.clock import Clock
from hub.db.engine import Database
from hub.db.models import Staff, Store
from hub.staff import NewStaff, add_staff
from hub.stores import NewStore, add_store

DEMO_PASSWORD = "concierge-demo"  # noqa: S105 - demo data only, printed at seeding

DEMO_STORES = (
    dict(
        code="PARIS01",
        name="Maison Lumière Paris · Place Vendôme",
        timezone="Europe/Paris",
        country="FR",
        languages="fr,en",
        hours=None,
    ),
    dict(
        code="LONDON01",
        name="Maison Lumière London · New Bond Street",
        timezone="Europe/London",
        country="GB",
        languages="en",
        hours=None,
    ),
    dict(
        code="SHANGHAI01",
        name="Maison Lumière Shanghai · Plaza 66",
        timezone="Asia/Shanghai",
        country="CN",
        languages="zh-Hans,en",
        hours=None,
    ),
)

DEMO_STAFF = (
    dict(
        email="amelie@demo.concierge",
        name="Amélie Laurent",
        store="PARIS01",
        role="ambassador",
        languages=["fr", "en"],
        capacity=3,
    ),
    dict(
        email="hugo@demo.concierge",
        name="Hugo Martin",
        store="PARIS01",
        role="ambassador",
        languages=["fr", "en"],
        capacity=3,
    ),
    dict(
        email="claire@demo.concierge",
        name="Claire Dubois",
        store="PARIS01",
        role="manager",
        languages=["fr", "en"],
        capacity=2,
    ),
    dict(
        email="james@demo.concierge",
        name="James Whitfield",
        store="LONDON01",
        role="ambassador",
        languages=["en"],
        capacity=3,
    ),
    dict(
        email="liwei@demo.concierge",
        name="Li Wei",
        store="SHANGHAI01",
        role="ambassador",
        languages=["zh-Hans", "en"],
        capacity=3,
    ),
)


@dataclass
class SeedSummary:
    stores_created: int = 0
    stores_existing: int = 0
    staff_created: int = 0
    staff_existing: int = 0


async def seed_demo(db: Database, clock: Clock, progress: Callable[[str], None]) -> SeedSummary:
    summary = SeedSummary()
    total = len(DEMO_STORES) + len(DEMO_STAFF)
    step = 0
    async with db.transaction() as session:
        for spec in DEMO_STORES:
            step += 1
            if await session.scalar(select(Store.id).where(Store.code == spec["code"])):
                summary.stores_existing += 1
                progress(f"[{step}/{total}] store {spec['code']}: already there")
                continue
            await add_store(session, NewStore.parse(**spec), now=clock(), actor="seed-demo")
            summary.stores_created += 1
            progress(f"[{step}/{total}] store {spec['code']}: created")
        for person in DEMO_STAFF:
            step += 1
            if await session.scalar(select(Staff.id).where(Staff.email == person["email"])):
                summary.staff_existing += 1
                progress(f"[{step}/{total}] staff {person['email']}: already there")
                continue
            await add_staff(
                session,
                NewStaff(
                    email=str(person["email"]),
                    name=str(person["name"]),
                    store_code=str(person["store"]),
                    role=str(person["role"]),
                    languages=list(person["languages"]),
                    capacity=int(person["capacity"]),  # type: ignore[call-overload]
                    password=DEMO_PASSWORD,
                ),
                now=clock(),
                actor="seed-demo",
            )
            summary.staff_created += 1
            progress(f"[{step}/{total}] staff {person['email']}: created")
    return summary
