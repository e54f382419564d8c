"""Availability query latency and booking throughput under contention, on both databases.

    .venv/bin/python -m bench.availability [--samples 300] [--seconds 10] [--tasks 32]
        [--databases sqlite,postgresql] [--history-days 60] [--profile]

For each database (a temporary SQLite file, and a fresh PostgreSQL database dropped at the
end), migrated to head, it loads one store's month (bench.booking_data: 50 bookable staff
with varied languages, skills, schedules and time off; special hours; about 60% of working
time booked over the next 30 days, plus past appointments), then, with the clock pinned so
that runs compare:

a. availability: ``BookingService.availability`` as the HTTP handler calls it, for one-week
   windows (what the booking page asks) and one-day windows, at seeded random start days
   and types. The whole call is timed (wall clock, and this process's CPU), then its pure
   part is timed alone (``free_slots`` again on the same inputs): the rest is the reading.
   Target: p99 under 20 ms.
b. contention: ``--tasks`` shoppers book through ``BookingService.book`` at once for
   ``--seconds``, all choosing among the few earliest free starts of a type, so most
   attempts collide; a start answered with 409 is dropped and the next free one becomes
   popular. Then one SQL query checks that no ambassador's live blocks overlap, and every
   refused start is asked again: one still free was refused by exhausted retries.

Wall-clock figures depend on what else the machine runs, so the load average is printed;
the CPU columns (this process only: the hub's Python, and SQLite's engine, not the
PostgreSQL server) move much less with it. ``--profile`` adds a cProfile of week queries.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import os
import pstats
import random
import secrets
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text

from bench.booking_data import (
    EXCEPTIONS,
    HOURS,
    NOW,
    STORE_CODE,
    TIMEZONE,
    TYPES,
    ZONE,
    Month,
    generate,
    load,
)
from booking.availability import free_slots
from hub.bookings import BookingRequest, BookingService, Contact, SlotTaken
from hub.db.booking_models import Appointment
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.runtime import settle_heap

ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TARGET_P99_MS = 20.0
DAYS = 30
WINDOWS = {"one week": 7, "one day": 1}
POPULAR = 6  # the earliest free starts of a type, among which every shopper chooses
MINUTE = timedelta(minutes=1)
CODES = [spec.code for spec in TYPES]
WEIGHTS = [spec.weight for spec in TYPES]
OVERLAPS = """
    SELECT count(*) FROM appointments AS a JOIN appointments AS b
      ON a.ambassador_id = b.ambassador_id AND a.id < b.id
     AND a.block_start < b.block_end AND b.block_start < a.block_end
    WHERE a.status IN ('held', 'booked', 'completed', 'no_show')
      AND b.status IN ('held', 'booked', 'completed', 'no_show')
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def midnight(day: date) -> datetime:
    """A local date's start, as the handler reads ``from=YYYY-MM-DD``."""
    return datetime.combine(day, datetime.min.time(), ZONE)


TODAY = NOW.astimezone(ZONE).date()


# -- a. availability -------------------------------------------------------------------


@dataclass
class Latencies:
    """Per call, in ms: the whole call, this process's CPU for it, and ``free_slots`` alone."""

    total: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    compute: list[float] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)


async def _timed(
    service: BookingService, code: str, start: datetime, end: datetime, into: Latencies
) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    data, slots = await service.availability(STORE_CODE, code, start, end)
    into.total.append((time.perf_counter() - wall) * 1000)
    into.cpu.append((time.process_time() - cpu) * 1000)
    wall = time.perf_counter()
    free_slots(
        store=data.calendar,
        ambassadors=data.ambassadors,
        bookings=data.bookings,
        appointment_type=data.appointment_type,
        window_start=start,
        window_end=end,
        now=NOW,
    )
    into.compute.append((time.perf_counter() - wall) * 1000)
    into.slots.append(len(slots))


async def availability(service: BookingService, samples: int, seed: int) -> dict[str, Latencies]:
    """Seeded random start days and types, the two window sizes interleaved."""
    rng = random.Random(seed)
    tomorrow = TODAY + timedelta(days=1)
    for _ in range(5):  # warm the pool and the statement caches on one day
        end = midnight(tomorrow + timedelta(days=1))
        await service.availability(STORE_CODE, "in-store", midnight(tomorrow), end)
    # Steady state, as in a hub that has been serving: each date's grid of starts is
    # computed once per process (the first shopper asking for that date pays for it).
    for code in CODES:
        for first in range(0, DAYS, 7):
            day = TODAY + timedelta(days=first)
            await service.availability(
                STORE_CODE, code, midnight(day), midnight(day + timedelta(days=7))
            )
    results = {label: Latencies() for label in WINDOWS}
    for _ in range(samples):
        for label, days in WINDOWS.items():
            day = TODAY + timedelta(days=rng.randrange(DAYS - days + 1))
            code = rng.choices(CODES, WEIGHTS)[0]
            end = midnight(day + timedelta(days=days))
            await _timed(service, code, midnight(day), end, results[label])
    return results


async def profile(service: BookingService, samples: int = 100) -> str:
    """cProfile over one-week queries: the functions taking the most time of their own."""
    rng = random.Random(3)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(samples):
        day = TODAY + timedelta(days=rng.randrange(DAYS - 6))
        end = midnight(day + timedelta(days=7))
        await service.availability(STORE_CODE, rng.choices(CODES, WEIGHTS)[0], midnight(day), end)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(
        os.environ.get("BENCH_SORT", "tottime")
    ).print_stats(25)
    return out.getvalue()


# -- b. contention ---------------------------------------------------------------------


class _Retries(logging.Handler):
    """Counts the service's 'booking raced, retrying' lines: refusals absorbed by a retry."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Contention:
    seconds: float = 0.0
    cpu: float = 0.0
    booked: list[float] = field(default_factory=list)  # latency of each success, ms
    refused: list[tuple[str, datetime]] = field(default_factory=list)  # (type, start) of 409s
    other: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    refused_while_free: int = 0
    rows: int = 0
    overlaps: int = -1

    @property
    def attempts(self) -> int:
        return len(self.booked) + len(self.refused) + sum(self.other.values())


async def _frontier(service: BookingService) -> dict[str, list[datetime]]:
    """Every free start of each type over the next two weeks, earliest first."""
    first, last = midnight(TODAY + timedelta(days=1)), midnight(TODAY + timedelta(days=15))
    found = {}
    for code in CODES:
        _, slots = await service.availability(STORE_CODE, code, first, last)
        found[code] = [slot.start for slot in slots]
    return found


async def _shopper(
    service: BookingService,
    frontier: dict[str, list[datetime]],
    result: Contention,
    deadline: float,
    rng: random.Random,
) -> None:
    """Books popular starts until the deadline, as a shopper who just saw the page would."""
    while time.perf_counter() < deadline and any(frontier.values()):
        code = rng.choices(CODES, WEIGHTS)[0]
        if not frontier[code]:
            continue
        start = rng.choice(frontier[code][:POPULAR])
        who = rng.randrange(5000)
        contact = Contact(f"Client {who}", email=f"client{who}@bench.example")
        began = time.perf_counter()
        try:
            await service.book(BookingRequest(STORE_CODE, code, start, contact))
        except SlotTaken:
            result.refused.append((code, start))
            if start in frontier[code]:
                frontier[code].remove(start)
            continue
        except Exception as exc:  # counted and shown: the table must not hide a failure
            result.other[type(exc).__name__] += 1
            continue
        result.booked.append((time.perf_counter() - began) * 1000)


async def _scalar(db: Database, query: object) -> int:
    async with db.reading() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def contention(service: BookingService, tasks: int, seconds: float) -> Contention:
    result = Contention()
    frontier = await _frontier(service)
    # Only rows the service writes carry a manage token's digest.
    placed = select(func.count()).where(Appointment.token_hash.is_not(None))
    before = await _scalar(service.db, placed)
    retries = _Retries()
    logger = logging.getLogger("hub.bookings")
    logger.addHandler(retries)
    logger.setLevel(logging.INFO)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        await asyncio.gather(
            *(
                _shopper(service, frontier, result, wall + seconds, random.Random(100 + k))
                for k in range(tasks)
            )
        )
    finally:
        logger.removeHandler(retries)
    result.seconds, result.cpu = time.perf_counter() - wall, time.process_time() - cpu
    result.retries = retries.count
    result.rows = await _scalar(service.db, placed) - before
    result.overlaps = await _scalar(service.db, text(OVERLAPS))
    # Free time only shrinks during the run, so a start still offered now was free when it
    # was refused: that 409 came from retries running out, not from a full slot.
    for (code, start), count in Counter(result.refused).items():
        _, slots = await service.availability(STORE_CODE, code, start, start + MINUTE)
        result.refused_while_free += count if slots else 0
    return result


# -- running ---------------------------------------------------------------------------


@dataclass
class Outcome:
    database: str
    windows: dict[str, Latencies]
    contention: Contention
    profile: str | None


async def run(name: str, url: str, month: Month, args: argparse.Namespace) -> Outcome:
    await upgrade(url)
    db = Database(url)
    try:
        await load(db, month)
        service = BookingService(db=db, clock=lambda: NOW)
        # As `hub serve` does after start-up: long-lived objects leave the collector's scans.
        settle_heap()
        try:
            windows = await availability(service, args.samples, seed=7)
            profiled = await profile(service) if args.profile else None
            booked = await contention(service, args.tasks, args.seconds)
        finally:
            gc.unfreeze()
        return Outcome(name, windows, booked, profiled)
    finally:
        await db.close()


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def run_sqlite(month: Month, args: argparse.Namespace) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="bench-avail-") as folder:
        return await run("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'hub.db'}", month, args)


async def run_postgresql(month: Month, args: argparse.Namespace) -> Outcome:
    name = f"bench_avail_{os.getpid()}_{secrets.token_hex(3)}"
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        return await run("postgresql", f"{base}/{name}", month, args)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- report ----------------------------------------------------------------------------


def _describe(month: Month, args: argparse.Namespace) -> None:
    ahead = sum(1 for visit in month.visits if visit.starts_at >= midnight(TODAY))
    types = ", ".join(f"{t.code} {t.minutes} min (+{t.before}/{t.after})" for t in TYPES)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Availability benchmark: store {STORE_CODE} ({TIMEZONE}, {HOURS}, "
        f"{len(EXCEPTIONS)} special days), {len(month.members)} bookable staff:"
    )
    print(
        f"  {sum(1 for m in month.members if m.hours)} on weekly schedules, "
        f"{sum(1 for m in month.members if m.time_off)} with time off; {types}"
    )
    print(
        f"  next {DAYS} days: {ahead:,} appointments, "
        f"{month.blocked_minutes / month.working_minutes:.0%} of working time blocked; "
        f"{args.history_days} days of history, {len(month.visits):,} rows in all"
    )
    print(f"  clock pinned at {NOW.isoformat()}; {os.cpu_count()} CPUs, load average {load}")


def _latency_table(outcomes: list[Outcome]) -> float:
    """One row per database and window; returns the worst p99."""
    print(
        f"  {'availability':<22} {'calls':>5} {'p50 ms':>7} {'p90':>7} {'p99':>7} {'max':>7}"
        f" | {'cpu p50':>7} {'p99':>6} | {'read p50':>8} {'free_slots':>10} | {'slots':>5}"
    )
    worst = 0.0
    for outcome in outcomes:
        for label, lat in outcome.windows.items():
            worst = max(worst, percentile(lat.total, 0.99))
            read = [total - pure for total, pure in zip(lat.total, lat.compute, strict=True)]
            print(
                f"  {outcome.database + ' ' + label:<22} {len(lat.total):>5}"
                f" {percentile(lat.total, 0.5):>7.2f} {percentile(lat.total, 0.9):>7.2f}"
                f" {percentile(lat.total, 0.99):>7.2f} {max(lat.total):>7.2f}"
                f" | {percentile(lat.cpu, 0.5):>7.2f} {percentile(lat.cpu, 0.99):>6.2f}"
                f" | {percentile(read, 0.5):>8.2f} {percentile(lat.compute, 0.5):>10.2f}"
                f" | {statistics.fmean(lat.slots):>5.0f}"
            )
    return worst


def _contention_table(outcomes: list[Outcome]) -> None:
    print(
        f"  {'booking':<11} {'tries':>5} {'booked':>6} {'/s':>5} {'409':>5} {'/s':>5}"
        f" {'409 free':>8} {'retries':>7} {'other':>5} | {'ok p50 ms':>9} {'p99':>6}"
        f" | {'cpu/try':>7} | {'rows':>5} {'overlaps':>8}"
    )
    for outcome in outcomes:
        c = outcome.contention
        ok = c.booked or [0.0]
        print(
            f"  {outcome.database:<11} {c.attempts:>5} {len(c.booked):>6}"
            f" {len(c.booked) / c.seconds:>5.1f} {len(c.refused):>5}"
            f" {len(c.refused) / c.seconds:>5.1f} {c.refused_while_free:>8} {c.retries:>7}"
            f" {sum(c.other.values()):>5} | {percentile(ok, 0.5):>9.1f}"
            f" {percentile(ok, 0.99):>6.1f} | {c.cpu * 1000 / max(1, c.attempts):>7.1f}"
            f" | {c.rows:>5} {c.overlaps:>8}"
        )
        if c.other:
            print(f"    {outcome.database} other errors: {dict(c.other)}")


def report(month: Month, outcomes: list[Outcome], args: argparse.Namespace) -> None:
    _describe(month, args)
    print()
    worst = _latency_table(outcomes)
    verdict = "met" if worst < TARGET_P99_MS else "NOT met"
    print(f"  worst p99 {worst:.2f} ms: target p99 < {TARGET_P99_MS:.0f} ms {verdict}")
    print("  cpu: this process only; read: the call less free_slots (SQL, rows, inputs)")
    print()
    _contention_table(outcomes)
    print(
        f"  {args.tasks} shoppers for {args.seconds:.0f} s, each choosing among the {POPULAR}"
        " earliest free starts of a type."
    )
    print("  409 free: refused although the start still had a free ambassador at the end;")
    print("  retries: refusals by the database (overlap, deadlock), each one a transaction run")
    print("  again or, the fourth time, a 409; cpu/try: this process, ms per attempt;")
    print("  rows: appointments the service wrote; overlaps: pairs of live blocks that meet")
    for outcome in outcomes:
        if outcome.profile:
            print(f"\n  profile, {outcome.database}, 100 one-week queries:\n{outcome.profile}")


RUNNERS: dict[str, Callable[[Month, argparse.Namespace], Awaitable[Outcome]]] = {
    "sqlite": run_sqlite,
    "postgresql": run_postgresql,
}


async def _main(args: argparse.Namespace) -> None:
    month = generate(days=DAYS, history_days=args.history_days)
    outcomes = []
    for name in args.databases.split(","):
        print(f"{name}: loading, querying, booking ...", flush=True)
        outcomes.append(await RUNNERS[name](month, args))
    print()
    report(month, outcomes, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=300, help="calls per window size")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tasks", type=int, default=32)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--history-days", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
