"""The cost of one durable write: a single-row INSERT + COMMIT, one at a time.

PostgreSQL through asyncpg on a throwaway table (the same server the hub uses), each
row in its own explicit transaction (BEGIN, INSERT, COMMIT: what the hub's SQLAlchemy
sessions send) and, for comparison, as one autocommit statement. SQLite likewise, on
a throwaway file with the hub's pragmas (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.hub_server import ADMIN_DSN
from bench.relay.stats import Summary

TEXT = "bench Is the Serpent bracelet available in size 17?"


@dataclass(frozen=True)
class ProbeResult:
    database: str
    transaction: Summary  # BEGIN; INSERT; COMMIT
    autocommit: Summary  # INSERT (implicit commit)
    settings: str


async def postgresql(samples: int = 1000) -> ProbeResult:
    table = f"bench_relay_probe_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(
            f"CREATE TABLE {table} (id uuid PRIMARY KEY, conversation_id uuid NOT NULL,"
            " seq integer NOT NULL, body text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        insert = f"INSERT INTO {table} (id, conversation_id, seq, body) VALUES ($1, $2, $3, $4)"
        conversation = uuid.uuid4()
        for seq in range(50):  # warm the connection and the statement cache
            await connection.execute(insert, uuid.uuid4(), conversation, seq, TEXT)
        in_transaction: list[float] = []
        autocommit: list[float] = []
        for seq in range(samples):
            started = time.perf_counter()
            async with connection.transaction():
                await connection.execute(insert, uuid.uuid4(), conversation, seq, TEXT)
            in_transaction.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await connection.execute(insert, uuid.uuid4(), conversation, seq, TEXT)
            autocommit.append((time.perf_counter() - started) * 1000)
        settings = []
        for name in ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay"):
            settings.append(f"{name}={await connection.fetchval(f'SHOW {name}')}")
    finally:
        await connection.execute(f"DROP TABLE IF EXISTS {table}")
        await connection.close()
    return ProbeResult(
        "postgresql", Summary.of(in_transaction), Summary.of(autocommit), ", ".join(settings)
    )


def sqlite(folder: Path, samples: int = 1000) -> ProbeResult:
    path = folder / f"probe-{secrets.token_hex(4)}.db"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute(
            "CREATE TABLE probe (id text PRIMARY KEY, conversation_id text NOT NULL,"
            " seq integer NOT NULL, body text NOT NULL, created_at text NOT NULL)"
        )
        insert = "INSERT INTO probe VALUES (?, ?, ?, ?, datetime('now'))"
        conversation = str(uuid.uuid4())
        in_transaction: list[float] = []
        autocommit: list[float] = []
        for seq in range(samples):
            started = time.perf_counter()
            connection.execute("BEGIN")
            connection.execute(insert, (str(uuid.uuid4()), conversation, seq, TEXT))
            connection.execute("COMMIT")
            in_transaction.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            connection.execute(insert, (str(uuid.uuid4()), conversation, seq, TEXT))
            autocommit.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return ProbeResult(
        "sqlite",
        Summary.of(in_transaction),
        Summary.of(autocommit),
        "journal_mode=WAL, synchronous=NORMAL",
    )
