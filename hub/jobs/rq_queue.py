"""Production jobs: rq queues in Redis, run by ``hub worker`` (each job in a fresh process).

rq has no key prefix of its own, so the queue's name carries ``HUB_REDIS_PREFIX``: two
hubs (or two test runs) sharing one Redis never take each other's jobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime

from redis import Redis
from rq import Queue, Retry

from hub.clock import Clock, system_clock
from hub.db.engine import Database
from hub.jobs import rq_entry
from hub.jobs.recovery import due_work
from hub.settings import Settings

QUEUE = "jobs"
# Results are not read (the tables hold the outcome); failures stay a week for operators.
RESULT_TTL = 0
FAILURE_TTL = 7 * 24 * 3600
JOB_TIMEOUT = 600
# A job that raised (a database outage, a bug) runs again once the row's lease has run out
# (5 minutes); handlers record their own retries, so this only covers crashes.
CRASH_RETRY_SECONDS = (360, 1800, 7200)


def queue_name(settings: Settings) -> str:
    return f"{settings.redis_prefix}{QUEUE}"


class RqJobs:
    """``Jobs`` over rq: ``enqueue`` for now, ``enqueue_at`` (rq's scheduler) for later."""

    def __init__(
        self, settings: Settings, kinds: Collection[str], *, clock: Clock = system_clock
    ) -> None:
        if settings.redis_url is None:
            raise ValueError("RqJobs needs HUB_REDIS_URL")
        self.kinds = frozenset(kinds)
        self.clock = clock
        # rq speaks the synchronous redis client; calls go through a thread (see schedule).
        self.connection = Redis.from_url(settings.redis_url)
        self.queue = Queue(queue_name(settings), connection=self.connection)

    async def schedule(self, kind: str, key: str, at: datetime | None = None) -> None:
        if kind not in self.kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        await asyncio.to_thread(self._enqueue, kind, key, at)

    def _enqueue(self, kind: str, key: str, at: datetime | None) -> None:
        options = {
            "result_ttl": RESULT_TTL,
            "failure_ttl": FAILURE_TTL,
            "job_timeout": JOB_TIMEOUT,
            "description": f"{kind} {key}",
            "retry": Retry(max=len(CRASH_RETRY_SECONDS), interval=list(CRASH_RETRY_SECONDS)),
        }
        if at is None or at <= self.clock():
            self.queue.enqueue(rq_entry.run, kind, key, **options)
        else:
            self.queue.enqueue_at(at, rq_entry.run, kind, key, **options)

    async def start(self) -> None:
        """Nothing to do in a web process: ``hub worker`` recovers pending work at start."""

    async def stop(self, grace_seconds: float = 10.0) -> None:
        await asyncio.to_thread(self.connection.close)


async def recover(settings: Settings) -> int:
    """At ``hub worker`` start: queue every kind's pending work found in the tables.

    A job that is also still in Redis then runs twice; the second finds its row already
    claimed or done and does nothing.
    """
    from hub.jobs.registry import registered_kinds

    kinds = registered_kinds()
    db = Database(settings.database_url)
    jobs = RqJobs(settings, kinds)
    try:
        found = await due_work(db, kinds.values(), system_clock())
        for kind, key, at in found:
            await jobs.schedule(kind, key, at)
        return len(found)
    finally:
        await jobs.stop()
        await db.close()
