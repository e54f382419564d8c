"""Migrations on both databases: they match the models, and they keep existing data."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from hub.db.engine import Database
from hub.db.migrate import current_revision, head_revision, upgrade
from hub.db.models import Base, Conversation, Message
from hub.db.profile_models import Purchase
from tests.conftest import PG_ADMIN_DSN, FakeClock


async def test_the_migrated_schema_matches_the_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert diff == []


# Rows as release one wrote them (revision 0001), before routing columns existed.
RELEASE_ONE_ROWS = (
    "INSERT INTO stores (id, code, name, timezone, country, languages, created_at)"
    " VALUES ('s1', 'PARIS01', 'Paris', 'Europe/Paris', 'FR', '[\"fr\"]', '2026-01-01')",
    "INSERT INTO customers (id, name, tier, created_at) VALUES ('c1', 'Ada', 'vip', '2026-01-01')",
    "INSERT INTO conversations (id, store_id, customer_id, channel, contact, status, last_seq,"
    " created_at, updated_at, queued_at) VALUES ('v1', 's1', 'c1', 'webchat', 'x', 'queued',"
    " 1, '2026-01-01', '2026-01-01', '2026-01-01')",
    "INSERT INTO messages (id, conversation_id, seq, direction, channel, author_kind, text,"
    " created_at) VALUES ('m1', 'v1', 1, 'in', 'webchat', 'customer', 'Hello', '2026-01-01')",
)


@pytest.fixture
def old_database(tmp_path: Path) -> str:
    """A database stopped at the first revision, as a boutique running release one has."""
    return f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"


async def test_upgrading_a_database_in_use_keeps_its_conversations(
    old_database: str, clock: FakeClock
) -> None:
    await upgrade(old_database, "0001")
    db = Database(old_database)
    try:
        async with db.transaction() as session:
            for statement in RELEASE_ONE_ROWS:
                await session.execute(text(statement))
    finally:
        await db.close()
    before, after = await upgrade(old_database)
    assert (before, after) == ("0001", head_revision(old_database))
    db = Database(old_database)
    try:
        async with db.reading() as session:
            conversation = await session.get(Conversation, "v1")
            message = await session.scalar(select(Message))
        assert conversation is not None and conversation.priority == 1
        assert conversation.required_skills == [] and conversation.transfer_note is None
        assert message is not None and message.text == "Hello"
    finally:
        await db.close()
    assert await current_revision(old_database) == head_revision(old_database)


# Purchases as revision 0004 stored them: a string id, foreign keys to every reference.
PURCHASE_ROWS = (
    "INSERT INTO pos_imports (id, filename, status, dry_run, actor_kind, started_at, rows_read,"
    " rows_imported, rows_duplicate, rows_failed) VALUES ('i1', 'day.csv', 'done', false, 'cli',"
    " '2026-01-02', 2, 2, 0, 0)",
    "INSERT INTO purchases (id, store_id, transaction_id, line_no, customer_id, customer_no,"
    " purchased_at, quantity, unit_price, currency, import_id) VALUES ('p1', 's1', 'T1', 1,"
    " 'c1', 'C-1', '2026-01-02', 1, 12500.00, 'EUR', 'i1'), ('p2', 's1', 'T1', 2, NULL, NULL,"
    " '2026-01-02', 2, 99.50, 'EUR', 'i1')",
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no schema at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"concierge_migration_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_purchases_keep_their_lines_when_keyed_by_the_till(empty_database: str) -> None:
    await upgrade(empty_database, "0004")
    db = Database(empty_database)
    try:
        async with db.transaction() as session:
            for statement in (*RELEASE_ONE_ROWS[:2], *PURCHASE_ROWS):
                await session.execute(text(statement))
    finally:
        await db.close()
    await upgrade(empty_database)
    db = Database(empty_database)
    try:
        async with db.reading() as session:
            found = (await session.scalars(select(Purchase).order_by(Purchase.line_no))).all()
            ring = await session.get(Purchase, ("s1", "T1", 1))
    finally:
        await db.close()
    assert [(p.line_no, p.customer_id, p.quantity, p.unit_price) for p in found] == [
        (1, "c1", 1, Decimal("12500.00")),
        (2, None, 2, Decimal("99.50")),
    ]
    assert ring is not None and (ring.customer_no, ring.import_id) == ("C-1", "i1")
