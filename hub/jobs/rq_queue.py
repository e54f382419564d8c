"""Production jobs: rq queues in Redis, run by ``hub worker`` (each job in a fresh process).

rq has no key prefix of its own, so the queue's name carries ``HUB_REDIS_PREFIX``: two
hubs (or two test runs) sharing one Redis never take each other's jobs.

Redis may lose its jobs (a restart of a Redis that keeps nothing on disk, a flush, an
enqueue that failed while it was away): the tables hold every pending row, so nothing is
lost — ``recover`` queues them again, under ids derived from the row (``recovery_id``) so
that recovering twice queues each row once. ``hub worker`` recovers at start, when it finds
Redis emptied (``hub.jobs.rq_watch``) and in a periodic sweep.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from hub.clock import Clock, system_clock
from hub.db.engine import Database
from hub.jobs import rq_entry
from hub.jobs.recovery import due_work
from hub.settings import Settings

log = logging.getLogger("hub.jobs")
QUEUE = "jobs"
# Results are not read (the tables hold the outcome); failures stay a week for operators.
RESULT_TTL = 0
FAILURE_TTL = 7 * 24 * 3600
JOB_TIMEOUT = 600
# A job that raised (a database outage, a bug) runs again once the row's lease has run out
# (5 minutes); handlers record their own retries, so this only covers crashes.
CRASH_RETRY_SECONDS = (360, 1800, 7200)
# A recovered job still waiting in rq: recovering again leaves it be.
_WAITING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED})
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def queue_name(settings: Settings) -> str:
    return f"{settings.redis_prefix}{QUEUE}"


def redis_client(settings: Settings, *, blocking: bool = False) -> Redis:
    """A synchronous client that gives up on a vanished Redis within a second or so;
    ``blocking`` for rq's worker, whose BLPOP waits minutes (rq sets that timeout)."""
    if settings.redis_url is None:
        raise ValueError("rq needs HUB_REDIS_URL")
    options: dict[str, Any] = {
        "socket_connect_timeout": 2,
        "retry": RedisRetry(ExponentialBackoff(cap=0.2, base=0.02), 2),
    }
    if not blocking:
        options["socket_timeout"] = 5
    return Redis.from_url(settings.redis_url, **options)


def recovery_id(queue: str, kind: str, key: str) -> str:
    """One rq job id per (queue, kind, row): rq ids allow letters, digits, - and _ only."""
    digest = hashlib.sha256(f"{queue}\0{kind}\0{key}".encode()).hexdigest()[:32]
    return f"recovered-{digest}"


class RqJobs:
    """``Jobs`` over rq: ``enqueue`` for now, ``enqueue_at`` (rq's scheduler) for later."""

    def __init__(
        self, settings: Settings, kinds: Collection[str], *, clock: Clock = system_clock
    ) -> None:
        self.kinds = frozenset(kinds)
        self.clock = clock
        # rq speaks the synchronous redis client; calls go through a thread (see schedule).
        self.connection = redis_client(settings)
        self.queue = Queue(queue_name(settings), connection=self.connection)

    async def schedule(self, kind: str, key: str, at: datetime | None = None) -> None:
        """Queue the job; with Redis away, log it and return: the row is committed and
        ``hub worker`` queues it again from its table (the caller's write stands)."""
        if kind not in self.kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        try:
            await asyncio.to_thread(self._enqueue, kind, key, at)
        except REDIS_UNAVAILABLE as exc:
            log.warning(
                "job not queued, Redis is unavailable: hub worker recovers it from its table",
                extra={"fields": {"kind": kind, "key": key, "error": str(exc)}},
            )

    async def recover(self, kind: str, key: str, at: datetime | None) -> bool:
        """Queue a row found pending in its table, unless its recovered job still waits.

        Raises when Redis is unavailable (recovery must know it did not happen)."""
        if kind not in self.kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        return await asyncio.to_thread(self._enqueue_recovered, kind, key, at)

    def _enqueue(self, kind: str, key: str, at: datetime | None, job_id: str | None = None) -> None:
        options: dict[str, Any] = {
            "result_ttl": RESULT_TTL,
            "failure_ttl": FAILURE_TTL,
            "job_timeout": JOB_TIMEOUT,
            "description": f"{kind} {key}",
            "retry": Retry(max=len(CRASH_RETRY_SECONDS), interval=list(CRASH_RETRY_SECONDS)),
        }
        if job_id is not None:
            options["job_id"] = job_id
        if at is None or at <= self.clock():
            self.queue.enqueue(rq_entry.run, kind, key, **options)
        else:
            self.queue.enqueue_at(at, rq_entry.run, kind, key, **options)

    def _enqueue_recovered(self, kind: str, key: str, at: datetime | None) -> bool:
        job_id = recovery_id(self.queue.name, kind, key)
        try:
            status = Job.fetch(job_id, connection=self.connection).get_status()
        except NoSuchJobError:
            status = None
        if status in _WAITING:
            return False
        self._enqueue(kind, key, at, job_id=job_id)
        return True

    async def start(self) -> None:
        """Nothing to do in a web process: ``hub worker`` recovers pending work."""

    async def stop(self, grace_seconds: float = 10.0) -> None:
        await asyncio.to_thread(self.connection.close)


async def recover(settings: Settings, *, due_before: datetime | None = None) -> int:
    """Queue every kind's pending work found in the tables; how many jobs were queued.

    ``due_before``: only rows due before then (a sweep for jobs lost while due). A job also
    still in Redis under its first id then runs twice; the second finds its row already
    claimed or done and does nothing. Raises when Redis is unavailable.
    """
    from hub.jobs.registry import registered_kinds

    kinds = registered_kinds()
    db = Database(settings.database_url)
    jobs = RqJobs(settings, kinds)
    try:
        found = await due_work(db, kinds.values(), system_clock())
        queued = 0
        for kind, key, at in found:
            if due_before is not None and at > due_before:
                continue
            queued += await jobs.recover(kind, key, at)
        return queued
    finally:
        await jobs.stop()
        await db.close()
