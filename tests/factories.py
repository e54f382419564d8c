"""Factories for the records tests need: stores, staff, signed-in principals, and what a
shopper writes in the widget."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from hub.db.engine import Database
from hub.messages import Inbound
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


def widget_message(
    visitor: str,
    text: str = "Hello",
    *,
    store: str = "PARIS01",
    language: str | None = None,
    accept_language: str | None = None,
    received_at: datetime | None = None,
) -> Inbound:
    """A message from the widget of the visitor ``visitor``, each one a new message."""
    return Inbound(
        channel="webchat",
        contact=visitor,
        identity_kind="visitor",
        identity_value=visitor,
        dedupe_key=f"webchat:{visitor}:{secrets.token_hex(4)}",
        text=text,
        received_at=received_at or datetime.now(UTC),
        store_code=store,
        language=language,
        accept_language=accept_language,
    )
