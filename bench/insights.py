"""The managers' insights report on a year of history, with and without its indexes.

    .venv/bin/python -m bench.insights [--repeat 5] [--conversations 100000] [--explain]

Creates its own PostgreSQL database ``bench_insights_<pid>``, migrates it, adds 10 stores
in 3 countries and fills a year (bench.insights_data: 100,000 conversations over 4
channels, 1,000,000 messages, 200,000 offers, 10,000 appointments, ~23,000 feedback rows,
50,000 purchases in 3 currencies, 60 ambassadors), then ANALYZEs. It times
``hub.insights.report.build`` (what ``GET /api/insights`` runs) for the last month and
the whole year, by each grouping, ``--repeat`` times, and one request per period through
a real app over HTTP; then drops the indexes migration 0013 added, ANALYZEs again, and
times the same runs as the baseline. ``--explain`` prints each statement's plan (the
year, by store) with and without them. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer
from sqlalchemy import text

from bench.insights_data import STORES, Volumes, generate
from hub.app import create_app
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.db.models import Staff
from hub.insights import queries, report
from hub.insights.scope import question
from hub.settings import Settings
from hub.staff import NewStaff, Principal, add_staff, principal_of
from hub.stores import NewStore, add_store

ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PERIODS = {
    "1 month": {"from": "2026-11-01", "to": "2026-11-30"},
    "12 months": {"from": "2025-12-01", "to": "2026-11-30"},
}
GROUPINGS = ("store", "country", "channel", "ambassador")
INDEXES = (  # what migration 0013 added
    "ix_conversations_store_id_created_at",
    "ix_conversations_customer_id_created_at",
    "ix_messages_conversation_id_author_kind_created_at",
    "ix_purchases_credited_store_id_purchased_at",
)
PASSWORD = "bench manager password"


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _prepare(db: Database, dsn: str, volumes: Volumes) -> Principal:
    """Stores, the manager of all of them, and the year of history."""
    async with db.transaction() as session:
        for code, country, zone, _currency in STORES:
            new = NewStore.parse(
                code=code,
                name=code.title(),
                timezone=zone,
                country=country,
                languages="en",
                hours=None,
            )
            await add_store(session, new, now=NOW, actor="bench")
    async with db.transaction() as session:
        manager = await add_staff(
            session,
            NewStaff("manager@bench.example", "Manager", "PARIS01", "manager", ["en"], 3, PASSWORD),
            now=NOW,
            actor="bench",
        )
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "CREATE TABLE bench_store AS SELECT s.idx - 1 AS idx, st.id, s.currency"
            " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(code, currency, idx)"
            " JOIN stores st ON st.code = s.code",
            [code for code, *_ in STORES],
            [currency for *_, currency in STORES],
        )
        for what, seconds in (await generate(connection, volumes)).items():
            print(f"  {what:<14} {seconds:6.1f} s")
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM conversations) c, (SELECT count(*) FROM messages) m,"
            " (SELECT count(*) FROM offers) o, (SELECT count(*) FROM appointments) a,"
            " (SELECT count(*) FROM feedback) f, (SELECT count(*) FROM purchases) p"
        )
        assert counts is not None
        print("  rows: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
        await connection.execute("VACUUM ANALYZE")  # what autovacuum would have done
        await connection.execute(
            "INSERT INTO staff_stores (staff_id, store_id)"
            " SELECT $1, id FROM stores WHERE code <> 'PARIS01'",
            manager.id,
        )
    finally:
        await connection.close()
    async with db.reading() as session:
        staff = await session.get(Staff, manager.id, populate_existing=True)
        assert staff is not None
        return principal_of(staff)


async def _timed(run: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    await run()  # warm: plans, caches
    found = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        found.append((time.perf_counter() - started) * 1000)
    return found


def _summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} {max(samples):8.1f}"


async def _reports(db: Database, who: Principal, repeat: int) -> dict[tuple[str, str], str]:
    results = {}
    for label, dates in PERIODS.items():
        for grouping in GROUPINGS:

            async def run(dates: dict[str, str] = dates, grouping: str = grouping) -> Any:
                async with db.reading() as session:
                    asked = await question(
                        session, who, {**dates, "by": grouping}, now=NOW,
                        abandon_after=timedelta(minutes=30),
                    )  # fmt: skip
                    return await report.build(session, asked)

            results[(label, grouping)] = _summary(await _timed(run, repeat))
    return results


async def _http(url: str, repeat: int) -> dict[str, str]:
    """One app, one signed-in manager, ``GET /api/insights`` by store per period."""
    settings = Settings(database_url=url)
    server = TestServer(create_app(settings, clock=lambda: NOW))
    await server.start_server()
    results = {}
    try:
        async with aiohttp.ClientSession() as client:
            login = await client.post(
                server.make_url("/api/auth/login"),
                json={"email": "manager@bench.example", "password": PASSWORD},
            )
            headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
            for label, dates in PERIODS.items():

                async def run(dates: dict[str, str] = dates) -> None:
                    response = await client.get(
                        server.make_url("/api/insights"), params=dates, headers=headers
                    )
                    assert response.status == 200, await response.text()
                    await response.read()

                results[label] = _summary(await _timed(run, repeat))
    finally:
        await server.close()
    return results


async def _explain(db: Database, who: Principal) -> None:
    """Each statement's plan and time for the year by store (EXPLAIN ANALYZE)."""
    async with db.reading() as session:
        asked = await question(
            session, who, {**PERIODS["12 months"], "by": "store"}, now=NOW,
            abandon_after=timedelta(minutes=30),
        )  # fmt: skip
        scope = asked.scope
        await session.execute(text("SET LOCAL jit = off"))  # as report.gather does
        statements = {
            "conversations": queries.conversation_statement(scope),
            "offers": queries.offer_statement(scope),
            "appointments": queries.appointment_statement(scope),
            "sales": queries.sales_statement(scope),
            "outcomes": queries.outcome_statement(scope),
        }
        for name, statement in statements.items():
            compiled = statement.compile(
                dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
            )
            plan = await session.execute(text(f"EXPLAIN ANALYZE {compiled}"))
            print(f"--- {name}")
            print("\n".join(row[0] for row in plan))


def _table(
    title: str, before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]
) -> None:
    print(f"\n{title}: report.build, median and max ms")
    print(f"{'period':<10} {'by':<11} {'with 0013 indexes':>17}   {'without':>17}")
    for key, value in before.items():
        print(f"{key[0]:<10} {key[1]:<11} {value}   {after[key]}")


async def _main(repeat: int, volumes: Volumes, explain: bool) -> None:
    name = f"bench_insights_{os.getpid()}"
    await _admin(f'CREATE DATABASE "{name}"')
    base = ADMIN_DSN.rsplit("/", 1)[0]
    dsn = f"{base}/{name}"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    db = Database(url)
    try:
        await upgrade(url)
        print(f"generating into {name}:")
        who = await _prepare(db, dsn, volumes)
        if explain:
            await _explain(db, who)
        indexed = await _reports(db, who, repeat)
        http_indexed = await _http(url, repeat)
        connection = await asyncpg.connect(dsn)
        try:
            for index in INDEXES:
                await connection.execute(f"DROP INDEX {index}")
            await connection.execute("VACUUM ANALYZE")
        finally:
            await connection.close()
        if explain:
            print("\n=== without the 0013 indexes")
            await _explain(db, who)
        bare = await _reports(db, who, repeat)
        http_bare = await _http(url, repeat)
        _table("in process", indexed, bare)
        print("\nover HTTP (GET /api/insights by store), median and max ms")
        for label in PERIODS:
            print(f"{label:<22} {http_indexed[label]}   {http_bare[label]}")
    finally:
        await db.close()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    volumes = Volumes(conversations=args.conversations)
    asyncio.run(_main(args.repeat, volumes, args.explain))


if __name__ == "__main__":
    main()
