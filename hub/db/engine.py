"""The database handle: one engine and session factory, created at start, closed at exit."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hub.errors import ConfigError


def normalise_url(url: str) -> str:
    """Accept the plain URLs operators paste (postgres://, sqlite:///) and pick async drivers."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif driver == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver not in ("postgresql+asyncpg", "sqlite+aiosqlite"):
        raise ConfigError(
            f"HUB_DATABASE_URL: unsupported database {driver!r} (use sqlite or postgresql)"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# PostgreSQL pool per process. Inbound messages share one transaction per batch (see
# hub.db.group_commit), so writers need few connections; the rest serve reads (history,
# console lists, routing) and replies. Several processes multiply it: keep N x (size +
# overflow) under the server's max_connections.
PG_POOL_SIZE = 10
PG_MAX_OVERFLOW = 10
# asyncpg prepared statements per connection, kept by SQLAlchemy's dialect: queries with
# IN lists render one text per list length, so the default (100) would keep re-preparing.
PG_STATEMENT_CACHE = 500
# A connection idle in the pool longer than this is pinged before use (see _idle_ping).
IDLE_PING_SECONDS = 10.0
PING_POLICIES = ("idle", "always", "never")


# The batched inbox write (hub.inbox_batch) has connections of its own on PostgreSQL: one
# batch is in flight at a time, and its one statement is planned once per connection
# (a generic plan: re-planning it per call cost as much as running it), and planned to use
# only index lookups and nested loops, which is what it is written for. A plan made while
# the tables were small, left to the planner, scans them whole and keeps doing so as they
# grow: measured on 1,000 open conversations, 2.7 ms per batch of 3 and 6.6 ms per batch
# of 30, against 0.53 and 1.48 ms planned this way. Other queries keep the defaults.
WRITER_POOL_SIZE = 1
WRITER_MAX_OVERFLOW = 1
WRITER_SETTINGS = {
    "plan_cache_mode": "force_generic_plan",
    "enable_seqscan": "off",
    "enable_bitmapscan": "off",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
}


def build_engine(
    url: str,
    *,
    echo: bool = False,
    ping: str = "idle",
    pool_size: int = PG_POOL_SIZE,
    max_overflow: int = PG_MAX_OVERFLOW,
    server_settings: dict[str, str] | None = None,
) -> AsyncEngine:
    """``ping``: ``idle`` checks only connections that sat unused for IDLE_PING_SECONDS
    (a restarted server or a dropped NAT entry shows there), ``always`` is SQLAlchemy's
    pool_pre_ping (with asyncpg three round trips per checkout: BEGIN, ``;``, ROLLBACK),
    ``never`` leaves dead connections to the first statement (the pool is then
    invalidated and callers that retry get a fresh one)."""
    if ping not in PING_POLICIES:
        raise ConfigError(f"database ping must be one of {', '.join(PING_POLICIES)}")
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # One connection serialises writers: SQLite allows one at a time anyway, and
        # queueing in the pool beats "database is locked" errors under load.
        engine = create_async_engine(url, echo=echo, pool_size=1, max_overflow=0, pool_timeout=30)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=ping == "always",
        pool_recycle=1800,
        connect_args=_pg_connect_args(url, server_settings or {}),
    )
    if ping == "idle":
        event.listen(engine.sync_engine.pool, "checkin", _mark_idle)
        event.listen(engine.sync_engine.pool, "checkout", _idle_ping)
    return engine


def _pg_connect_args(url: str, server_settings: dict[str, str]) -> dict[str, Any]:
    """What the operator's URL says wins (``?prepared_statement_cache_size=0`` behind a
    transaction-pooling PgBouncer, ``?application_name=``)."""
    query = make_url(url).query
    args: dict[str, Any] = {}
    if "prepared_statement_cache_size" not in query:
        args["prepared_statement_cache_size"] = PG_STATEMENT_CACHE
    settings = dict(server_settings)
    if "application_name" in query:
        settings.pop("application_name", None)
    else:
        settings.setdefault("application_name", "concierge")
    if settings:
        args["server_settings"] = settings
    return args


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _idle_ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection only when it sat in the pool for a while. Under load connections
    come back within milliseconds and are used without a ping; a dead one is replaced
    (DisconnectionError makes the pool discard it and check out another)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError(f"connection idle since {idle_since:.0f} is gone") from exc


def is_disconnect(exc: BaseException) -> bool:
    """The statement failed because its connection died (server restart, network): the
    pool has been invalidated, and a retry on a fresh connection may succeed."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Database:
    """Engine + session factory; the only way code reaches the database."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        ping: str = "idle",
        pool_size: int = PG_POOL_SIZE,
        max_overflow: int = PG_MAX_OVERFLOW,
    ) -> None:
        self.url = normalise_url(url)
        self.engine = build_engine(
            self.url, echo=echo, ping=ping, pool_size=pool_size, max_overflow=max_overflow
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._ping = ping
        self._writer: AsyncEngine | None = None

    @property
    def writer(self) -> AsyncEngine:
        """The batched inbox write's engine (see WRITER_SETTINGS); on SQLite the one engine
        (a single connection serialises writers there)."""
        if self.dialect != "postgresql":
            return self.engine
        if self._writer is None:
            self._writer = build_engine(
                self.url,
                ping=self._ping,
                pool_size=WRITER_POOL_SIZE,
                max_overflow=WRITER_MAX_OVERFLOW,
                server_settings={**WRITER_SETTINGS, "application_name": "concierge-writer"},
            )
        return self._writer

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.dispose()
        await self.engine.dispose()
