"""The embedded job runner: one asyncio task sleeping until the earliest job is due.

Times come from the hub's ``Clock``, so tests drive it with a fake clock and
``run_due()`` instead of sleeping. Pending jobs live in memory only as a cache of the
tables: ``start()`` recovers them from every kind's ``due`` query, and a periodic sweep
does it again, which also picks up rows whose job died with a crash or a lost lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from hub.clock import Clock
from hub.db.engine import Database
from hub.jobs.kind import JobContext, JobKind
from hub.jobs.recovery import due_work
from hub.settings import Settings

log = logging.getLogger("hub.jobs")
MAX_SLEEP_SECONDS = 60.0  # re-read the clock at least this often (it may jump)
SWEEP_EVERY = timedelta(minutes=5)


class InProcessRunner:
    """Runs each (kind, key) at its time, at most ``concurrency`` at once."""

    def __init__(
        self,
        kinds: Mapping[str, JobKind],
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        concurrency: int = 4,
    ) -> None:
        self.kinds = dict(kinds)
        self.clock = clock
        self.context = JobContext(db=db, clock=clock, settings=settings, jobs=self)
        self._due: dict[tuple[str, str], datetime] = {}
        self._heap: list[tuple[datetime, int, str, str]] = []
        self._order = itertools.count()
        self._running: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_sweep: datetime | None = None
        self._stopping = False

    @property
    def pending(self) -> int:
        return len(self._due)

    async def schedule(self, kind: str, key: str, at: datetime | None = None) -> None:
        """Run ``kind`` for ``key`` at ``at`` (None: now); the earlier of two times wins."""
        if kind not in self.kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        if self._stopping:
            return  # the row stays queued; the next start recovers it
        when = at or self.clock()
        current = self._due.get((kind, key))
        if current is not None and current <= when:
            return
        self._due[(kind, key)] = when
        heapq.heappush(self._heap, (when, next(self._order), kind, key))
        self._wake.set()

    async def recover(self) -> int:
        """Schedule every kind's pending work from the tables; how many jobs were found."""
        found = await due_work(self.context.db, self.kinds.values(), self.clock())
        for kind, key, at in found:
            await self.schedule(kind, key, at)
        return len(found)

    async def start(self) -> None:
        """Recover pending work, then run jobs in the background until ``stop``."""
        recovered = await self.recover()
        self._next_sweep = self.clock() + SWEEP_EVERY
        if recovered:
            log.info("jobs recovered", extra={"fields": {"count": recovered}})
        self._task = asyncio.create_task(self._run_forever(), name="jobs:runner")

    async def run_due(self) -> None:
        """Run everything due at ``clock()`` and wait for it, and for what it made due."""
        while True:
            for kind, key in self._pop_due(self.clock()):
                self._start(kind, key)
            if not self._running:
                return
            await asyncio.wait(set(self._running))

    def idle(self) -> bool:
        """Nothing running, and nothing due at ``clock()``."""
        due = self.next_due()
        return not self._running and (due is None or due > self.clock())

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking jobs; give running ones ``grace_seconds``, then cancel them.

        A cancelled job keeps its claim until the lease ends; its row is recovered then.
        """
        self._stopping = True
        if self._task is not None:
            # Let the loop finish what it is doing (a sweep is a database read): cancelled
            # mid-query, a driver connection can be dropped without being closed.
            self._wake.set()
            _done, pending = await asyncio.wait({self._task}, timeout=grace_seconds)
            if pending:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        if self._running:
            _done, late = await asyncio.wait(set(self._running), timeout=grace_seconds)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    def next_due(self) -> datetime | None:
        while self._heap and self._due.get(self._heap[0][2:]) != self._heap[0][0]:
            heapq.heappop(self._heap)  # superseded by an earlier time, or already run
        return self._heap[0][0] if self._heap else None

    def _pop_due(self, now: datetime) -> list[tuple[str, str]]:
        ready = []
        while (when := self.next_due()) is not None and when <= now:
            _when, _order, kind, key = heapq.heappop(self._heap)
            del self._due[(kind, key)]
            ready.append((kind, key))
        return ready

    def _start(self, kind: str, key: str) -> None:
        task = asyncio.create_task(self._execute(kind, key), name=f"job:{kind}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _execute(self, kind: str, key: str) -> None:
        async with self._slots:
            try:
                await self.kinds[kind].handle(self.context, key)
            except Exception:
                # The row keeps what it knows (its claim, its attempts); the sweep retries it.
                log.exception("job failed", extra={"fields": {"kind": kind, "key": key}})

    async def _sweep_if_due(self, now: datetime) -> None:
        if self._next_sweep is None or now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY
        try:
            await self.recover()
        except Exception:
            log.exception("jobs: recovering pending work failed; trying again later")

    def _seconds_to_wait(self, now: datetime) -> float:
        targets = [t for t in (self.next_due(), self._next_sweep) if t is not None]
        if not targets:
            return MAX_SLEEP_SECONDS
        return min(MAX_SLEEP_SECONDS, max(0.0, (min(targets) - now).total_seconds()))

    async def _run_forever(self) -> None:
        while not self._stopping:
            self._wake.clear()
            now = self.clock()
            await self._sweep_if_due(now)
            for kind, key in self._pop_due(now):
                self._start(kind, key)
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._seconds_to_wait(now)):
                    await self._wake.wait()


async def run_due_together(*runners: InProcessRunner) -> None:
    """Runners that feed each other (the spool's runner schedules jobs, a job schedules a
    follow-up) run until none has anything running or due at its clock."""
    while True:
        for runner in runners:
            await runner.run_due()
        if all(runner.idle() for runner in runners):
            return
