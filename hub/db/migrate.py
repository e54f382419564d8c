"""Apply Alembic migrations from code, so `hub migrate` needs no alembic.ini on disk."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

import migrations
from hub.db.engine import build_engine, normalise_url

log = logging.getLogger("hub.migrate")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(next(iter(migrations.__path__)))))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(url: str) -> str | None:
    engine = build_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
    finally:
        await engine.dispose()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def upgrade(url: str, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to ``target``; returns (revision before, revision after)."""
    cfg = alembic_config(url)
    before = await current_revision(url)
    engine = build_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # SQLite alters a table by copying it; with foreign keys enforced, dropping
                # the old copy of a referenced table fails. Must precede any transaction.
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")

            def _upgrade(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, target)

            await conn.run_sync(_upgrade)
            await conn.commit()
            if conn.dialect.name == "sqlite":
                violations = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if violations:
                    raise RuntimeError(f"migration left broken references: {violations[:5]}")
    finally:
        await engine.dispose()
    after = await current_revision(url)
    return before, after


def upgrade_blocking(url: str) -> tuple[str | None, str | None]:
    return asyncio.run(upgrade(url))
