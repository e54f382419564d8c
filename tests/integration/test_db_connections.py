"""PostgreSQL connections that die under the pool: no ping per checkout, yet no failure.

The pool pings only connections that sat idle (``ping="idle"``); a connection that dies
while in use fails its statement, the pool is invalidated, and the inbox writes again on
a fresh connection (keyed writes are safe to repeat).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import event, text

from hub.db import engine as engine_module
from hub.db.engine import Database
from tests.conftest import FakeClock, truncate_pg
from tests.factories import make_store
from tests.integration.test_inbox import inbound
from tests.integration.test_inbox_batches import make_inbox


async def backend_pid(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def terminate(url: str, pid: int) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[str]:
    await truncate_pg(pg_url)
    yield pg_url


async def test_busy_connections_are_not_pinged(pg: str) -> None:
    db = Database(pg, pool_size=1, max_overflow=0)
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        for _ in range(5):
            await backend_pid(db)
        assert len(statements) == 5  # one statement per transaction, no ping between
    finally:
        await db.close()


async def test_a_connection_idle_long_enough_is_pinged_and_replaced_when_dead(
    pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(pg, pool_size=1, max_overflow=0)
    try:
        pid = await backend_pid(db)
        await terminate(pg, pid)
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
        assert await backend_pid(db) != pid  # pinged, found dead, replaced: no error
    finally:
        await db.close()


@pytest.mark.parametrize("group_commit", [True, False])
async def test_a_message_written_on_a_dropped_connection_is_written_on_a_fresh_one(
    pg: str, clock: FakeClock, group_commit: bool, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(pg, ping="never", pool_size=1, max_overflow=0)
    try:
        await make_store(db, clock())
        inbox = make_inbox(db, clock, group_commit=group_commit)
        await inbox.receive(inbound(key="open"))
        if group_commit:  # the batched write has connections of its own: open one
            assert (await inbox.receive(inbound("batched", key="warm"))).message.seq == 2
        await inbox.tasks.drain(5)
        await terminate(pg, await backend_pid(db))
        async with db.writer.connect() as conn:
            writer_pid = int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)
        await terminate(pg, writer_pid)
        stored = await inbox.receive(inbound("after the drop", key="next"))
        assert stored.message.seq == (3 if group_commit else 2) and not stored.duplicate
        expected = "writing one by one" if group_commit else "retrying on a fresh one"
        assert expected in caplog.text
    finally:
        await db.close()
