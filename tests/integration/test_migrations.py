"""Migrations on both databases: they match the models, and they keep existing data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from hub.db.engine import Database
from hub.db.migrate import current_revision, head_revision, upgrade
from hub.db.models import Base, Conversation, Message
from tests.conftest import FakeClock


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
