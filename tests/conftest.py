"""Shared fixtures: databases on SQLite and the real PostgreSQL, settings, factories.

Each test run creates its own PostgreSQL database (dropped at the end) so concurrent
runs never collide; each test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import gc
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.db.models import Base
from hub.settings import Settings
from tests.fakes.smtp import FakeSmtpServer
from tests.fakes.voice_provider import voice_provider_fixture  # noqa: F401  (fixture)
from tests.fakes.wechat_api import FakeWechatApi, wechat_api  # noqa: F401  (fixture)

PG_ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TABLES = tuple(table.name for table in reversed(Base.metadata.sorted_tables))


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    """Whatever a test left unreachable is found while its event loop still runs, and any
    warning about it is reported against that test rather than a later, unrelated one."""
    yield
    gc.collect()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test copies the file instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"concierge_test_{os.getpid()}_{secrets.token_hex(4)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    asyncio.run(upgrade(url))
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate_pg(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    asyncio.run(truncate_pg(url))
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.close()


def make_settings(database_url: str, **overrides: object) -> Settings:
    base = Settings(database_url=database_url)
    return base.with_overrides(**overrides) if overrides else base


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtpServer]:
    """A real SMTP server on a free loopback port: point HUB_SMTP_RELAY at ``smtp.relay``."""
    server = FakeSmtpServer()
    await server.start()
    yield server
    await server.stop()
