"""Background jobs: the tables are the source of truth, a job carries only a row id.

A job kind (``JobKind``) is a handler ``async def handle(ctx, key)`` plus a ``due(session,
now)`` query that finds its pending work in its own table. The hub schedules with
``await jobs.schedule(kind, key, at=None)`` after the row's transaction committed; two
implementations of ``Jobs`` run them:

- ``InProcessRunner`` (embedded default): an asyncio task sleeping until the earliest job.
- ``RqJobs`` (production, ``HUB_REDIS_URL`` set): rq queues and scheduler; ``hub worker``
  runs ``hub.jobs.rq_entry.run`` in a fresh process per job.

Both recover pending work from every kind's ``due`` query at start (the in-process runner
when the web process starts, rq when ``hub worker`` starts), and handlers claim their row
atomically (``hub.jobs.attempts``), so a duplicate or a restart never repeats work.
"""

from hub.jobs.kind import JobContext, JobKind, Jobs

__all__ = ["JobContext", "JobKind", "Jobs"]
