"""The embedded job runner on a fake clock: jobs run at their time, once, and a start
recovers what the tables say is pending."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database
from hub.jobs.attempts import RetryPolicy
from hub.jobs.kind import JobContext, JobKind
from hub.jobs.runner import InProcessRunner
from hub.settings import Settings
from tests.conftest import FakeClock


class Table:
    """A job kind over an in-memory 'table' of pending keys, recording every run."""

    def __init__(self, name: str = "test") -> None:
        self.name = name
        self.pending: dict[str, datetime] = {}
        self.runs: list[tuple[str, datetime]] = []
        self.ran = asyncio.Event()

    async def handle(self, ctx: JobContext, key: str) -> None:
        self.runs.append((key, ctx.clock()))
        self.pending.pop(key, None)
        self.ran.set()

    async def due(self, _session: AsyncSession, _now: datetime) -> list[tuple[str, datetime]]:
        return sorted(self.pending.items())

    def kind(self) -> JobKind:
        return JobKind(self.name, self.handle, self.due)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")  # the kinds never query it
    yield db
    await db.close()


def runner_for(table: Table, db: Database, clock: FakeClock) -> InProcessRunner:
    return InProcessRunner({table.name: table.kind()}, db=db, clock=clock, settings=Settings())


async def test_a_job_runs_when_its_time_comes_not_before(
    database: Database, clock: FakeClock
) -> None:
    table = Table()
    runner = runner_for(table, database, clock)
    start = clock()
    await runner.schedule("test", "later", at=start + timedelta(minutes=10))
    await runner.schedule("test", "now")
    await runner.run_due()
    assert table.runs == [("now", start)]
    clock.advance(minutes=9, seconds=59)
    await runner.run_due()
    assert [key for key, _ in table.runs] == ["now"]
    clock.advance(seconds=1)
    await runner.run_due()
    assert table.runs[-1] == ("later", start + timedelta(minutes=10))
    assert runner.pending == 0


async def test_scheduling_the_same_job_earlier_rearms_it_and_it_runs_once(
    database: Database, clock: FakeClock
) -> None:
    table = Table()
    runner = runner_for(table, database, clock)
    await runner.schedule("test", "k", at=clock() + timedelta(hours=1))
    await runner.schedule("test", "k", at=clock() + timedelta(minutes=5))
    await runner.schedule("test", "k", at=clock() + timedelta(hours=2))  # later: ignored
    assert runner.next_due() == clock() + timedelta(minutes=5)
    clock.advance(hours=3)
    await runner.run_due()
    assert [key for key, _ in table.runs] == ["k"]


async def test_start_recovers_pending_work_and_the_loop_runs_it_without_being_driven(
    database: Database, clock: FakeClock
) -> None:
    table = Table()
    table.pending = {
        "overdue": clock() - timedelta(minutes=1),
        "future": clock() + timedelta(days=1),
    }
    runner = runner_for(table, database, clock)
    await runner.start()
    try:
        await asyncio.wait_for(table.ran.wait(), 5)
        assert [key for key, _ in table.runs] == ["overdue"]
        assert runner.next_due() == clock() + timedelta(days=1)
        # Something earlier than the armed wake-up: the loop wakes for it by itself.
        table.ran.clear()
        await runner.schedule("test", "urgent")
        await asyncio.wait_for(table.ran.wait(), 5)
        assert [key for key, _ in table.runs] == ["overdue", "urgent"]
    finally:
        await runner.stop()


async def test_a_stopped_runner_takes_no_more_work_and_unknown_kinds_are_refused(
    database: Database, clock: FakeClock
) -> None:
    table = Table()
    runner = runner_for(table, database, clock)
    with pytest.raises(ValueError, match="unknown job kind"):
        await runner.schedule("nope", "k")
    await runner.stop()
    await runner.schedule("test", "k")  # the row stays pending for the next start
    await runner.run_due()
    assert table.runs == []


async def test_a_failing_handler_does_not_stop_the_others(
    database: Database, clock: FakeClock
) -> None:
    table = Table()

    async def broken(_ctx: JobContext, _key: str) -> None:
        raise RuntimeError("boom")

    runner = InProcessRunner(
        {"test": table.kind(), "broken": JobKind("broken", broken, table.due)},
        db=database,
        clock=clock,
        settings=Settings(),
    )
    await runner.schedule("broken", "a")
    await runner.schedule("test", "b")
    await runner.run_due()
    assert [key for key, _ in table.runs] == ["b"]


def test_back_off_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(first_delay=timedelta(minutes=1), max_delay=timedelta(minutes=10))
    delays = [policy.delay_after(n) for n in range(1, 7)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)]
