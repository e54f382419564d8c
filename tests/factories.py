"""Factories for the records tests need: stores, staff, signed-in principals."""

from __future__ import annotations

import secrets
from datetime import datetime

from hub.db.engine import Database
from hub.staff import NewStaff, Principal, add_staff, principal_of
from hub.stores import NewStore, add_store

PASSWORD = "correct horse battery"


async def make_store(
    db: Database,
    now: datetime,
    code: str = "PARIS01",
    *,
    languages: str = "fr,en",
    timezone: str = "Europe/Paris",
    hours: str | None = None,
    country: str = "FR",
) -> str:
    async with db.transaction() as session:
        store = await add_store(
            session,
            NewStore.parse(
                code=code,
                name=f"Boutique {code}",
                timezone=timezone,
                country=country,
                languages=languages,
                hours=hours,
            ),
            now=now,
            actor="test",
        )
        return store.id


async def make_staff(
    db: Database,
    now: datetime,
    store: str = "PARIS01",
    *,
    role: str = "ambassador",
    capacity: int = 3,
    name: str | None = None,
    email: str | None = None,
) -> Principal:
    async with db.transaction() as session:
        staff = await add_staff(
            session,
            NewStaff(
                email=email or f"{secrets.token_hex(4)}@test.concierge",
                name=name or f"Ambassador {secrets.token_hex(2)}",
                store_code=store,
                role=role,
                languages=["fr", "en"],
                capacity=capacity,
                password=PASSWORD,
            ),
            now=now,
            actor="test",
        )
        await session.flush()
        await session.refresh(staff, ["store_links"])
        return principal_of(staff)
