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

DEMO_STAFF = tuple(
    NewStaff(
        email=email,
        name=name,
        store_code=store,
        role=role,
        languages=languages,
        capacity=capacity,
        password=DEMO_PASSWORD,
    )
    for email, name, store, role, languages, capacity in (
        ("amelie@demo.concierge", "Amélie Laurent", "PARIS01", "ambassador", ["fr", "en"], 3),
        ("hugo@demo.concierge", "Hugo Martin", "PARIS01", "ambassador", ["fr", "en"], 3),
        ("claire@demo.concierge", "Claire Dubois", "PARIS01", "manager", ["fr", "en"], 2),
        ("james@demo.concierge", "James Whitfield", "LONDON01", "ambassador", ["en"], 3),
        ("liwei@demo.concierge", "Li Wei", "SHANGHAI01", "ambassador", ["zh-Hans", "en"], 3),
    )
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
            if await session.scalar(select(Staff.id).where(Staff.email == person.email)):
                summary.staff_existing += 1
                progress(f"[{step}/{total}] staff {person.email}: already there")
                continue
            await add_staff(session, person, now=clock(), actor="seed-demo")
            summary.staff_created += 1
            progress(f"[{step}/{total}] staff {person.email}: created")
    return summary
