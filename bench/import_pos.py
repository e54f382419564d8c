"""POS import throughput and memory against PostgreSQL's own COPY.

    .venv/bin/python -m bench.import_pos [--rows 1000000] [--batch-size N]

Generates a deterministic export (bench.pos_data) in a temporary directory, creates a fresh
PostgreSQL database, migrates it and adds the stores, then:

a. imports the file with the hub's importer in a child process (so the memory figures are
   the importer's own), sampling its resident memory at 10%, 50% and 100% of the rows;
b. loads the same file with COPY into a plain table of text columns (the target: the
   importer at one third of this rate);
c. copies the imported purchases with COPY into a table with the same indexes and foreign
   keys as ``purchases``: the fastest PostgreSQL itself can fill that table.

The database and the file are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.pos_data import COLUMNS, STORES, generate
from hub.clock import system_clock
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.pos_import.importer import BATCH_SIZE, ImportOptions, import_pos_file
from hub.stores import NewStore, add_store

ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TARGET_RATIO = 1 / 3


def _memory_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, from /proc/self/status."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def _child(url: str, path: str, rows: int, batch_size: int | None) -> dict[str, Any]:
    """Runs in the child process: the import itself, with memory samples."""
    samples: dict[str, tuple[float, float]] = {"before": _memory_mb()}
    marks = [(10, rows // 10), (50, rows // 2)]

    def progress(read: int, _done: int, _total: int) -> None:
        while marks and read >= marks[0][1]:
            samples[f"{marks.pop(0)[0]}%"] = _memory_mb()

    db = Database(url)
    try:
        began = time.perf_counter()
        summary = await import_pos_file(
            db,
            path,
            clock=system_clock,
            options=ImportOptions(batch_size=batch_size),
            on_progress=progress,
        )
        seconds = time.perf_counter() - began
    finally:
        await db.close()
    samples["100%"] = _memory_mb()
    return {"seconds": seconds, "memory": samples, "summary": summary.counts()}


def _run_child(url: str, path: Path, rows: int, batch_size: int | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.import_pos", "--child", url, str(path)]
    command += ["--rows", str(rows)]
    if batch_size is not None:
        command += ["--batch-size", str(batch_size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _prepare(url: str) -> None:
    await upgrade(url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            for store in STORES:
                new = NewStore.parse(
                    code=store.code,
                    name=store.code.title(),
                    timezone=store.timezone,
                    country=store.country,
                    languages=store.languages,
                    hours=None,
                )
                await add_store(session, new, now=datetime.now(UTC), actor="bench")
    finally:
        await db.close()


async def _copy_plain(dsn: str, path: Path) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        columns = ", ".join(f"{name} text" for name in COLUMNS)
        await connection.execute(f"CREATE TABLE copy_plain ({columns})")
        began = time.perf_counter()
        await connection.copy_to_table("copy_plain", source=path, format="csv", header=True)
        return time.perf_counter() - began
    finally:
        await connection.close()


async def _copy_shaped(dsn: str, folder: Path) -> tuple[float, int]:
    """COPY the imported purchases into a table with purchases' indexes and foreign keys."""
    dump = folder / "purchases.copy"
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_from_query("SELECT * FROM purchases", output=dump, format="binary")
        await connection.execute("CREATE TABLE copy_shaped (LIKE purchases INCLUDING ALL)")
        keys = await connection.fetch(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'purchases'::regclass AND contype = 'f'"
        )
        for (definition,) in keys:
            await connection.execute(f"ALTER TABLE copy_shaped ADD {definition}")
        count = int(await connection.fetchval("SELECT count(*) FROM purchases"))
        began = time.perf_counter()
        await connection.copy_to_table("copy_shaped", source=dump, format="binary")
        return time.perf_counter() - began, count
    finally:
        await connection.close()


def _report(rows: int, size: int, batch: int, imported: dict[str, Any], copies: dict[str, Any]):  # type: ignore[no-untyped-def]
    importer_rate = rows / imported["seconds"]
    plain_rate = rows / copies["plain"]
    shaped_rate = copies["shaped_rows"] / copies["shaped"]
    ratio = importer_rate / plain_rate
    print(f"POS import benchmark: {rows:,} rows, {size / 1e6:,.0f} MB, {len(STORES)} stores,")
    print(f"  {batch:,} lines per transaction, {os.cpu_count()} CPUs")
    print()
    print(f"  {'':44} {'seconds':>9} {'rows/s':>10}")
    print(f"  {'hub importer (parse, link, attribute, insert)':44} "
          f"{imported['seconds']:9.1f} {importer_rate:10,.0f}")  # fmt: skip
    print(f"  {'COPY into a plain table of text columns':44} "
          f"{copies['plain']:9.1f} {plain_rate:10,.0f}")  # fmt: skip
    print(f"  {'COPY into a table shaped like purchases':44} "
          f"{copies['shaped']:9.1f} {shaped_rate:10,.0f}")  # fmt: skip
    print()
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"  importer / plain COPY:   {ratio:.3f}  (target >= {TARGET_RATIO:.3f}: {verdict})")
    print(f"  importer / shaped COPY:  {importer_rate / shaped_rate:.3f}")
    print()
    print("  importer memory (MB)    resident     peak")
    for label, (resident, peak) in imported["memory"].items():
        print(f"    {label:<20} {resident:10.1f} {peak:8.1f}")
    print()
    print("  summary: " + ", ".join(f"{k}={v:,}" for k, v in imported["summary"].items()
                                    if isinstance(v, int) and not isinstance(v, bool)))  # fmt: skip


async def _main(rows: int, batch: int | None) -> None:
    name = f"bench_pos_{os.getpid()}_{secrets.token_hex(3)}"
    base = ADMIN_DSN.rsplit("/", 1)[0]
    dsn = f"{base}/{name}"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    with tempfile.TemporaryDirectory(prefix="bench-pos-") as folder:
        path = Path(folder) / "pos-export.csv"
        print(f"generating {rows:,} rows ...", flush=True)
        size = generate(path, rows)
        await _admin(f'CREATE DATABASE "{name}"')
        try:
            await _prepare(url)
            print("importing with the hub's importer ...", flush=True)
            imported = await asyncio.to_thread(_run_child, url, path, rows, batch)
            print("loading with COPY ...", flush=True)
            plain = await _copy_plain(dsn, path)
            shaped, shaped_rows = await _copy_shaped(dsn, Path(folder))
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print()
    copies = {"plain": plain, "shaped": shaped, "shaped_rows": shaped_rows}
    _report(rows, size, batch or BATCH_SIZE["postgresql"], imported, copies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=None, help="lines per transaction")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, path = args.child
        print(json.dumps(asyncio.run(_child(url, path, args.rows, args.batch_size))))
        return
    asyncio.run(_main(args.rows, args.batch_size))


if __name__ == "__main__":
    main()
