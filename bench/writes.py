"""Persisting shoppers' messages: the inbox's write path under concurrency.

    .venv/bin/python -m bench.writes [--db postgresql,sqlite] [--conversations 100]
        [--messages 20000] [--variants before,no-ping,after] [--loop asyncio|uvloop]

C shoppers (one open conversation each) send N messages in total through the real
``Inbox.receive``, closed loop: each shopper sends its next message when the previous one
is stored. Every variant runs in the same process on a fresh database, one after the other:

- ``before``: the write path as it was: one transaction per message (dedupe lookup,
  conversation lookup, ``UPDATE … RETURNING`` for the seq, INSERT, COMMIT) and
  SQLAlchemy's ``pool_pre_ping`` on every checkout;
- ``no-ping``: the same, with the pool pinging only connections idle for 10 s;
- ``after``: the default now: no ping under load and group commit (concurrent messages
  into open conversations share one write: on PostgreSQL one statement, on SQLite an
  UPDATE … RETURNING and one multi-row INSERT; see ``hub.inbox_batch``).

Prints messages/s, p50/p99/max per ``receive``, and per message: statements, transactions,
pings, and round trips (statements + BEGIN/COMMIT per transaction + 3 per asyncpg ping:
BEGIN, ``;``, ROLLBACK; prepares on statement-cache misses are not counted). On PostgreSQL
it also prints the yardstick of the relay benchmark: one single-row INSERT + COMMIT,
sequentially, on the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event

from hub.clock import system_clock
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.inbox import Inbox
from hub.messages import Inbound
from hub.stores import NewStore, add_store
from hub.tasks import BackgroundTasks

PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Variant:
    name: str
    ping: str
    group_commit: bool


VARIANTS = {
    "before": Variant("before", ping="always", group_commit=False),
    "no-ping": Variant("no-ping", ping="idle", group_commit=False),
    "after": Variant("after", ping="idle", group_commit=True),
}


class NullEvents:
    async def message_added(self, conversation: Any, message: Any, origin: str | None) -> None:
        return None

    async def conversation_closed(self, conversation: Any) -> None:
        return None


class NullRouter:
    async def enqueue(self, ticket: Any) -> None:
        return None

    async def finished(self, ambassador_id: str, channel: str) -> None:
        return None

    async def dropped(self, conversation_id: str) -> None:
        return None

    def record_handling(self, seconds: float) -> None:
        return None


class Counters:
    """Statements, transactions and pings, counted by SQLAlchemy's events."""

    def __init__(self, db: Database) -> None:
        self.statements = self.transactions = self.pings = 0
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        dialect = engine.dialect
        real_ping = dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self.pings += 1
            return bool(real_ping(dbapi_connection))

        dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _begin(self, *_args: Any) -> None:
        self.transactions += 1

    def reset(self) -> None:
        self.statements = self.transactions = self.pings = 0


def inbound(visitor: str, key: str, text: str) -> Inbound:
    return Inbound(
        channel="webchat",
        contact=visitor,
        identity_kind="visitor",
        identity_value=visitor,
        dedupe_key=f"webchat:{visitor}:{key}",
        text=text,
        received_at=datetime.now(UTC),
        store_code="PARIS01",
    )


async def run_variant(
    url: str, variant: Variant, conversations: int, messages: int
) -> dict[str, float]:
    db = Database(url, ping=variant.ping)
    counters = Counters(db)
    try:
        async with db.transaction() as session:
            await add_store(
                session,
                NewStore.parse(
                    code="PARIS01",
                    name="Paris",
                    timezone="Europe/Paris",
                    country="FR",
                    languages="fr,en",
                    hours=None,
                ),
                now=system_clock(),
                actor="bench",
            )
        inbox = Inbox(
            db,
            clock=system_clock,
            events=NullEvents(),
            routing=NullRouter(),
            tasks=BackgroundTasks(),
            group_commit=variant.group_commit,
        )
        visitors = [secrets.token_hex(16) for _ in range(conversations)]
        for visitor in visitors:  # open the conversations (not measured)
            await inbox.receive(inbound(visitor, "open", "Bonjour"))
        per_shopper = messages // conversations
        latencies: list[float] = []

        async def shopper(visitor: str) -> None:
            for i in range(per_shopper):
                started = time.perf_counter()
                await inbox.receive(inbound(visitor, f"m{i}", f"message {i}"))
                latencies.append(time.perf_counter() - started)

        await asyncio.sleep(0.2)
        counters.reset()
        batches_before = _batches(inbox)
        started = time.perf_counter()
        await asyncio.gather(*(shopper(v) for v in visitors))
        elapsed = time.perf_counter() - started
        batches = _batches(inbox) - batches_before
        done = len(latencies)
        latencies.sort()
        statements = counters.statements
        if db.dialect == "postgresql" and variant.group_commit:
            # Each batch is one statement sent to asyncpg directly (no SQLAlchemy event
            # sees it), in a transaction of its own: one round trip.
            statements += batches
        round_trips = statements + 2 * counters.transactions + 3 * counters.pings
        return {
            "messages": done,
            "per_second": done / elapsed,
            "p50_ms": 1000 * latencies[done // 2],
            "p99_ms": 1000 * latencies[min(done - 1, int(done * 0.99))],
            "max_ms": 1000 * latencies[-1],
            "statements": statements / done,
            "transactions": counters.transactions / done,
            "pings": counters.pings / done,
            "round_trips": round_trips / done,
            "batch": done / batches if batches else 1.0,
        }
    finally:
        await db.close()


def _batches(inbox: Inbox) -> int:
    """Batched transactions so far, read from the inbox's metrics."""
    count = 0
    for line in inbox.metrics.render().splitlines():
        if line.startswith("hub_write_batch_size_count"):
            count += int(float(line.rsplit(" ", 1)[1]))
    return count


async def insert_commit_yardstick(dsn: str, samples: int = 2000) -> tuple[float, float]:
    """p50/p99 of one single-row INSERT + COMMIT (asyncpg, prepared, sequential)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TEMP TABLE yardstick (id bigint PRIMARY KEY, body text)")
        statement = await conn.prepare("INSERT INTO yardstick VALUES ($1, $2)")
        timings = []
        for i in range(samples):
            started = time.perf_counter()
            async with conn.transaction():
                await statement.fetch(i, "hello")
            timings.append(time.perf_counter() - started)
        timings.sort()
        return 1000 * timings[samples // 2], 1000 * timings[int(samples * 0.99)]
    finally:
        await conn.close()


@contextmanager
def postgres_database() -> Iterator[tuple[str, str]]:
    name = f"concierge_bench_{os.getpid()}_{secrets.token_hex(3)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    dsn = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    try:
        yield dsn.replace("postgresql://", "postgresql+asyncpg://"), dsn
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "TRUNCATE messages, conversations, customer_identities, customers, stores, "
            "audit_log RESTART IDENTITY CASCADE"
        )
    finally:
        await conn.close()


def medians(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per variant, the median of each figure over its runs."""
    return {
        name: {key: statistics.median(run[key] for run in results) for key in results[0]}
        for name, results in runs.items()
    }


def print_table(db: str, results: dict[str, dict[str, float]]) -> None:
    columns = [
        ("msg/s", "per_second", "{:8.0f}"),
        ("p50 ms", "p50_ms", "{:8.2f}"),
        ("p99 ms", "p99_ms", "{:8.2f}"),
        ("max ms", "max_ms", "{:8.1f}"),
        ("stmts", "statements", "{:6.2f}"),
        ("txns", "transactions", "{:6.3f}"),
        ("pings", "pings", "{:6.3f}"),
        ("rtrips", "round_trips", "{:6.2f}"),
        ("batch", "batch", "{:6.1f}"),
    ]
    print(f"\n{db}")
    print(f"  {'variant':<9}" + "".join(f"{title:>9}" for title, _, _ in columns))
    for name, row in results.items():
        cells = "".join(" " + fmt.format(row[key]).rjust(8) for _, key, fmt in columns)
        print(f"  {name:<9}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="postgresql,sqlite")
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--variants", default="before,no-ping,after")
    parser.add_argument("--loop", default="asyncio", choices=("asyncio", "uvloop"))
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per variant, interleaved; medians shown"
    )
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    variants = [VARIANTS[name] for name in args.variants.split(",")]
    print(
        f"{args.messages} messages from {args.conversations} concurrent shoppers, "
        f"closed loop, {args.loop} loop, median of {args.repeat} interleaved run(s)"
    )
    for kind in args.db.split(","):
        runs: dict[str, list[dict[str, float]]] = {v.name: [] for v in variants}
        if kind == "postgresql":
            with postgres_database() as (url, dsn):
                asyncio.run(upgrade(url))
                p50, p99 = asyncio.run(insert_commit_yardstick(dsn))
                for _ in range(args.repeat):
                    for variant in variants:
                        asyncio.run(truncate(dsn))
                        runs[variant.name].append(
                            asyncio.run(
                                run_variant(url, variant, args.conversations, args.messages)
                            )
                        )
            print_table(kind, medians(runs))
            print(f"  yardstick: one INSERT + COMMIT p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        elif kind == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="bench-writes-"))
            try:
                template = folder / "template.db"
                asyncio.run(upgrade(f"sqlite+aiosqlite:///{template}"))
                for run in range(args.repeat):
                    for variant in variants:
                        path = folder / f"{variant.name}-{run}.db"
                        shutil.copy(template, path)
                        runs[variant.name].append(
                            asyncio.run(
                                run_variant(
                                    f"sqlite+aiosqlite:///{path}",
                                    variant,
                                    args.conversations,
                                    args.messages,
                                )
                            )
                        )
            finally:
                shutil.rmtree(folder)
            print_table(kind, medians(runs))
        else:
            raise SystemExit(f"unknown database {kind!r}")
    print("\nround trips = statements + 2 x transactions + 3 x pings (asyncpg's ping)")


if __name__ == "__main__":
    main()
